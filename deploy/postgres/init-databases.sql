-- docker-compose only: the postgres image runs this once, on the first start of an empty data
-- volume, as the POSTGRES_USER superuser. One database per service, because services never share
-- tables (each runs its own Alembic migrations into its own database).
-- It does not run again: on an existing volume, add a new service's database by hand, e.g.
--   docker compose exec postgres createdb -U sihub sihub_<service>
-- In Kubernetes the databases live on a managed PostgreSQL instead (deploy/README.md).
CREATE DATABASE sihub_gateway;
CREATE DATABASE sihub_registry;
CREATE DATABASE sihub_indicators;
CREATE DATABASE sihub_matching;
