"""The production shape, checked without running it (no Docker engine or cluster here).

docker-compose.yml is validated against the Compose Specification schema (vendored by
check-jsonschema); the Dockerfiles, the compose file and the Kubernetes manifests are then held to
the invariants the platform relies on. The list of services is the `services/` directory itself,
so a new service fails here until it has its Dockerfile, compose service and Deployment.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from fnmatch import fnmatch
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
COMPOSE_FILE = ROOT / "docker-compose.yml"
SERVICE_PORT = 8000
PUBLIC_SERVICE = "gateway"

SERVICES = sorted(
    p.name for p in (ROOT / "services").iterdir() if p.is_dir() and (p / "pyproject.toml").is_file()
)

# ${VAR}, ${VAR:?message}, ${VAR-default} ...: compose interpolation (no nesting used here).
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?[^}]*\}")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|API_?KEY|PRIVATE", re.IGNORECASE)


def test_there_are_services() -> None:
    # Guards every parametrised test below against silently running on an empty list.
    assert {"gateway", "registry", "indicators"} <= set(SERVICES)


# --------------------------------------------------------------------------------------------
# Dockerfiles
# --------------------------------------------------------------------------------------------


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs: comments dropped, `\\` continuations joined."""
    instructions: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue  # a comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        keyword, _, rest = full.partition(" ")
        instructions.append((keyword.upper(), rest.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    last_from = max(i for i, (kw, _) in enumerate(instructions) if kw == "FROM")
    return instructions[last_from:]


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [ln.strip().rstrip("/") for ln in lines if ln.strip() and not ln.startswith("#")]


def is_dockerignored(relpath: str) -> bool:
    """Enough of the .dockerignore matching rules for this repository (no `!` exceptions)."""
    patterns = dockerignore_patterns()
    assert not any(p.startswith("!") for p in patterns), "extend is_dockerignored for exceptions"
    parts = relpath.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        for prefix in prefixes:
            if fnmatch(prefix, pattern) or (
                pattern.startswith("**/") and fnmatch(prefix.split("/")[-1], pattern[3:])
            ):
                return True
    return False


DOCKERFILE = ROOT / "Dockerfile"


def for_service(text: str, service: str) -> str:
    """The Dockerfile's text as built with `--build-arg SERVICE=<service>`."""
    return text.replace("${SERVICE}", service).replace("$SERVICE", service)


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_builds_the_service_with_uv_from_the_lock(service: str) -> None:
    instructions = [(kw, for_service(args, service)) for kw, args in dockerfile_instructions(DOCKERFILE)]

    froms = [args for kw, args in instructions if kw == "FROM"]
    assert len(froms) >= 2, "multi-stage: a build stage and a runtime stage"
    assert froms[-1].split()[0].startswith("python:3.11-slim"), "runtime stage on python:3.11-slim"
    # Each stage that uses the service's name declares the build argument (it does not carry over).
    stages = "\n".join(f"{kw} {args}" for kw, args in dockerfile_instructions(DOCKERFILE)).split("\nFROM ")
    for stage in stages:
        if "${SERVICE}" in stage or "$SERVICE" in stage:
            assert "\nARG SERVICE" in stage, f"a stage uses SERVICE without `ARG SERVICE`: {stage[:60]}"

    uv_sources = [a for a in froms if a.startswith("ghcr.io/astral-sh/uv")] + [
        a for kw, a in instructions if kw == "COPY" and "--from=ghcr.io/astral-sh/uv" in a
    ]
    assert uv_sources, "uv comes from the official ghcr.io/astral-sh/uv image"

    syncs = [shlex.split(a) for kw, a in instructions if kw == "RUN" and "uv sync" in a]
    assert syncs, "dependencies are installed with uv sync"
    for argv in syncs:
        sync = argv[argv.index("sync") :]
        assert "--frozen" in sync or "--locked" in sync, f"uv sync without the lock: {sync}"
        assert "--no-dev" in sync, f"dev dependencies in the image: {sync}"
        assert sync[sync.index("--package") + 1] == f"sihub-{service}", sync
    # The last sync installs the service itself: not skipping the workspace, not editable.
    last = syncs[-1]
    assert "--no-install-workspace" not in last and "--no-install-project" not in last
    assert "--no-editable" in last, "editable installs would need the sources at runtime"

    # Everything copied from the build context exists and is not excluded by .dockerignore.
    for kw, args in instructions:
        if kw != "COPY" or "--from=" in args:
            continue
        sources = [a for a in shlex.split(args) if not a.startswith("--")][:-1]
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
            assert not is_dockerignored(source), f"COPY {source}: excluded by .dockerignore"
    for bind in re.findall(r"type=bind,source=([^,\s]+)", DOCKERFILE.read_text()):
        assert (ROOT / bind).is_file() and not is_dockerignored(bind), bind


@pytest.mark.parametrize("service", SERVICES)
def test_dockerfile_runtime_is_non_root_with_healthcheck_and_serve_cmd(service: str) -> None:
    runtime = [(kw, for_service(args, service)) for kw, args in final_stage(dockerfile_instructions(DOCKERFILE))]
    users = [args for kw, args in runtime if kw == "USER"]
    assert users, "the runtime stage sets USER"
    uid = users[-1].split(":")[0]
    # Numeric, so that Kubernetes' runAsNonRoot can verify it.
    assert uid.isdigit() and int(uid) != 0, f"USER {users[-1]}: needs a numeric non-root uid"

    checks = [args for kw, args in runtime if kw == "HEALTHCHECK"]
    assert len(checks) == 1, "one HEALTHCHECK in the runtime stage"
    check = checks[0]
    assert "/healthz" in check and f":{SERVICE_PORT}" in check
    test = json.loads(check[check.index("CMD") + 3 :].strip())
    assert test[0] == "python", "the slim image has no curl or wget: check with python"

    # The CMD runs `sihub-service`, a link to the service's own console script in the venv.
    cmds = [args for kw, args in runtime if kw == "CMD"]
    assert cmds, "the runtime stage has a CMD"
    assert json.loads(cmds[-1]) == ["sihub-service", "serve", "--host", "0.0.0.0", "--port", str(SERVICE_PORT)]
    links = [shlex.split(args) for kw, args in runtime if kw == "RUN" and "sihub-service" in args]
    assert links == [["ln", "-s", f"/app/.venv/bin/sihub-{service}", "/usr/local/bin/sihub-service"]], links

    # The console script linked is the one the package declares.
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    assert project["project"]["scripts"].get(f"sihub-{service}") == f"sihub_{service}.cli:app"


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_context() -> None:
    for path in (
        ".venv",
        "var",
        "shared/src/sihub_shared/__pycache__",
        ".git",
        "bench/results",
        ".env",
    ):
        assert is_dockerignored(path), f"{path} would be sent to the image build"
    for path in ("uv.lock", "pyproject.toml", "shared/src/sihub_shared/settings.py"):
        assert not is_dockerignored(path), f"{path} is needed by the image build"


# --------------------------------------------------------------------------------------------
# docker-compose.yml
# --------------------------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def compose_services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the KEY=value list form
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def is_one_shot(service: dict[str, Any]) -> bool:
    return service.get("restart", "no") == "no"


def database_name(url: str) -> str:
    # Interpolations may hold `?` and spaces (`${X:?message}`): neutralise them before parsing.
    parsed = urlsplit(INTERPOLATION.sub("interpolated", url))
    assert parsed.scheme.startswith(("postgresql", "postgres")), url
    return parsed.path.lstrip("/")


def app_service_of(name: str, service: dict[str, Any]) -> str | None:
    """Which sihub service a compose service runs (the SERVICE its image is built with), or None."""
    build = service.get("build")
    if build is None:
        return None
    assert isinstance(build, dict), f"{name}: build names the service (`args: {{SERVICE: ...}}`)"
    dockerfile = Path(ROOT, build.get("context", "."), build.get("dockerfile", "Dockerfile")).resolve()
    assert dockerfile == DOCKERFILE, f"{name}: builds from an unexpected Dockerfile {dockerfile}"
    return (build.get("args") or {}).get("SERVICE")


def test_compose_file_matches_the_compose_specification() -> None:
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = sorted(
        validator.iter_errors(compose()), key=lambda e: [str(p) for p in e.absolute_path]
    )
    assert not errors, "\n".join(
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors
    )


@pytest.mark.parametrize("service", SERVICES)
def test_compose_runs_every_service_from_its_dockerfile(service: str) -> None:
    services = compose_services()
    assert service in services, f"no compose service `{service}`"
    assert app_service_of(service, services[service]) == service
    assert not is_one_shot(services[service]), f"{service} needs a restart policy"
    # Its migration runs first, from the same image, and must have succeeded.
    migrations = [
        name
        for name, spec in services.items()
        if is_one_shot(spec) and spec.get("command") == [f"sihub-{service}", "migrate"]
    ]
    assert len(migrations) == 1, f"one `sihub-{service} migrate` one-shot container"
    migrate = services[migrations[0]]
    assert migrate.get("image") == services[service].get("image")
    assert services[service]["depends_on"][migrations[0]]["condition"] == (
        "service_completed_successfully"
    )
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert environment(migrate).get("SIHUB_DATABASE_URL") == environment(services[service]).get(
        "SIHUB_DATABASE_URL"
    ), "the migration must target the service's own database"


def test_compose_publishes_only_the_gateway_port() -> None:
    published = {}
    for name, spec in compose_services().items():
        assert spec.get("network_mode") != "host", f"{name}: host networking publishes every port"
        ports = []
        for port in spec.get("ports", []):
            if isinstance(port, dict):
                ports.append(int(port["target"]))
            else:  # [ip:][published:]target[/proto]
                ports.append(int(str(port).split("/")[0].rsplit(":", 1)[-1]))
        if ports:
            published[name] = ports
    assert published == {PUBLIC_SERVICE: [SERVICE_PORT]}


def test_compose_long_running_containers_have_healthchecks_and_restart() -> None:
    for name, spec in compose_services().items():
        if is_one_shot(spec):
            assert spec.get("command"), f"{name}: a one-shot container states what it runs"
            continue
        assert spec.get("restart") in ("always", "unless-stopped"), f"{name}: restart policy"
        healthcheck = spec.get("healthcheck") or {}
        assert not healthcheck.get("disable"), f"{name}: healthcheck disabled"
        if "test" in healthcheck:
            assert healthcheck["test"] not in (["NONE"], "NONE"), name
            continue
        # No healthcheck in compose: it must come from the image the service builds.
        app = app_service_of(name, spec)
        assert app, f"{name}: no healthcheck (and no image of ours that would bring one)"
        runtime = final_stage(dockerfile_instructions(DOCKERFILE))
        assert any(kw == "HEALTHCHECK" for kw, _ in runtime), f"{name}: no healthcheck"


def test_compose_containers_run_as_non_root() -> None:
    for name, spec in compose_services().items():
        app = app_service_of(name, spec)
        if app is None:
            continue  # third-party images (postgres, nats): not built from our Dockerfiles
        assert str(spec.get("user", "")).split(":")[0] not in ("root", "0"), f"{name}: user root"
        runtime = final_stage(dockerfile_instructions(DOCKERFILE))
        assert any(kw == "USER" for kw, _ in runtime), f"{name}: image runs as root"


def test_compose_dependencies_wait_for_health() -> None:
    services = compose_services()
    for name, spec in services.items():
        depends_on = spec.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for target, rule in depends_on.items():
            assert target in services, f"{name} depends on unknown {target}"
            condition = rule.get("condition")
            if is_one_shot(services[target]):
                assert condition == "service_completed_successfully", f"{name} -> {target}"
            else:
                assert condition == "service_healthy", f"{name} -> {target}"
        if app_service_of(name, spec) and not is_one_shot(spec):
            assert {"postgres", "nats"} <= depends_on.keys(), name


def test_compose_each_service_has_its_own_database_created_by_the_init_script() -> None:
    services = compose_services()
    databases = {}
    for name, spec in services.items():
        url = environment(spec).get("SIHUB_DATABASE_URL")
        if url is None or is_one_shot(spec):
            continue
        assert urlsplit(INTERPOLATION.sub("x", url)).hostname == "postgres", f"{name}: {url}"
        databases[name] = database_name(url)
    assert set(SERVICES) <= databases.keys(), "every service has a SIHUB_DATABASE_URL"
    assert len(set(databases.values())) == len(databases), f"shared database: {databases}"

    init_sql = (ROOT / "deploy" / "postgres" / "init-databases.sql").read_text()
    created = set(re.findall(r"^\s*CREATE\s+DATABASE\s+(\w+)\s*;", init_sql, re.I | re.M))
    assert set(databases.values()) <= created, "a service database the init script never creates"
    mounts = [str(v) for v in services["postgres"].get("volumes", [])]
    assert any(
        m.startswith("./deploy/postgres/init-databases.sql:/docker-entrypoint-initdb.d/")
        for m in mounts
    ), "the init script is not mounted into postgres"


def test_compose_state_lives_on_named_volumes() -> None:
    services, volumes = compose_services(), compose().get("volumes") or {}
    for name, path in (("postgres", "/var/lib/postgresql/data"), ("nats", "/data")):
        sources = [
            str(v).split(":")[0] for v in services[name].get("volumes", []) if f":{path}" in str(v)
        ]
        assert sources and all(s in volumes for s in sources), f"{name}: {path} not on a volume"
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_compose_nats_has_jetstream_on_its_volume_and_a_monitoring_healthcheck() -> None:
    nats = compose_services()["nats"]
    command = nats["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    assert {"-js", "--jetstream"} & set(command), "JetStream is not enabled"
    store = next(command[i + 1] for i, a in enumerate(command) if a in ("-sd", "--store_dir"))
    assert store == "/data"
    monitor = next(command[i + 1] for i, a in enumerate(command) if a in ("-m", "--http_port"))
    assert monitor == "8222"
    # The default nats image is scratch: nothing in it could run a healthcheck.
    assert "alpine" in nats["image"]
    assert any("8222/healthz" in part for part in nats["healthcheck"]["test"])


def test_compose_nats_requires_a_user_per_service_from_env() -> None:
    services = compose_services()
    nats = services["nats"]
    command = nats["command"]
    config = command[command.index("--config") + 1]
    mounted = {str(v).split(":")[1]: str(v).split(":")[0] for v in nats["volumes"]}
    assert mounted[config] == "./deploy/k8s/nats-accounts.conf", "compose NATS without the accounts file"
    nats_env = environment(nats)
    for service in SERVICES:
        env = environment(services[service])
        assert env["SIHUB_NATS_USER"] == service
        # The service's password is the very variable the NATS container gives its user.
        variable = INTERPOLATION.fullmatch(env["SIHUB_NATS_PASSWORD"]).group("name")
        assert variable == f"SIHUB_NATS_{service.upper()}_PASSWORD"
        assert INTERPOLATION.fullmatch(nats_env[variable]).group("name") == variable


def test_compose_gateway_upstreams_are_the_other_services() -> None:
    services = compose_services()
    upstreams = json.loads(environment(services[PUBLIC_SERVICE])["SIHUB_UPSTREAMS"])
    assert set(upstreams) == set(SERVICES) - {PUBLIC_SERVICE}
    for name, url in upstreams.items():
        parsed = urlsplit(url)
        assert parsed.hostname == name and name in services, url
        assert parsed.port == SERVICE_PORT, url
        assert services[PUBLIC_SERVICE]["depends_on"][name]["condition"] == "service_healthy"


def test_compose_has_no_literal_secrets() -> None:
    for name, spec in compose_services().items():
        for key, value in environment(spec).items():
            if SECRET_NAME.search(key):
                match = INTERPOLATION.fullmatch(value)
                assert match, f"{name}: {key} is a literal, not a ${{...}} from .env"
                assert match.group("op") in (None, ":?", "?"), (
                    f"{name}: {key} has a default value, i.e. a committed secret"
                )
            # A password inside a URL must be interpolated too.
            for url in re.findall(r"\w+://\S+", value):
                password = urlsplit(INTERPOLATION.sub("${}", url)).password
                if password is not None:
                    assert password == "${}", f"{name}: {key} has a literal password"
        assert "env_file" not in spec or spec["env_file"] in (".env", [".env"]), name


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    example = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            example[key.strip()] = value.strip()
    used = {m.group("name") for m in INTERPOLATION.finditer(COMPOSE_FILE.read_text())}
    assert used - example.keys() == set(), "variables used by compose but not in .env.example"
    for key, value in example.items():
        if SECRET_NAME.search(key):
            assert value == "", f".env.example: {key} must be an empty placeholder"


def test_env_file_is_not_tracked_by_git() -> None:
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "ls-files", "--", ".env", "*.env", ".env.*"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert set(tracked) <= {".env.example"}, f"secrets committed: {tracked}"


# --------------------------------------------------------------------------------------------
# Kubernetes
# --------------------------------------------------------------------------------------------


@cache
def kustomization() -> dict[str, Any]:
    return yaml.safe_load((K8S / "kustomization.yaml").read_text())


@cache
def manifests() -> tuple[dict[str, Any], ...]:
    documents = []
    for resource in kustomization()["resources"]:
        documents += [d for d in yaml.safe_load_all((K8S / resource).read_text()) if d]
    return tuple(documents)


def objects(kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in manifests() if d["kind"] == kind}


def config_map_data(name: str) -> dict[str, str]:
    """A ConfigMap's data, whether written out or generated by kustomize."""
    if name in objects("ConfigMap"):
        return objects("ConfigMap")[name]["data"]
    for generator in kustomization().get("configMapGenerator", []):
        if generator["name"] == name:
            data = dict(item.split("=", 1) for item in generator.get("literals", []))
            for item in generator.get("files", []):
                key, _, file = item.rpartition("=")
                data[key or Path(file).name] = (K8S / file).read_text()
            return data
    raise AssertionError(f"no ConfigMap {name}")


def pod_spec(service: str) -> dict[str, Any]:
    return objects("Deployment")[service]["spec"]["template"]["spec"]


def main_container(service: str) -> dict[str, Any]:
    return next(c for c in pod_spec(service)["containers"] if c["name"] == service)


def pod_env(container: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["name"]: e for e in container.get("env", [])}


def env_value(container: dict[str, Any], name: str) -> str | None:
    if name in pod_env(container):
        return pod_env(container)[name].get("value")
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            data = config_map_data(source["configMapRef"]["name"])
            if name in data:
                return data[name]
    return None


def probe_port(container: dict[str, Any], probe: dict[str, Any]) -> int:
    port = probe["httpGet"]["port"]
    if isinstance(port, int):
        return port
    return next(p["containerPort"] for p in container["ports"] if p.get("name") == port)


def test_kustomization_lists_every_manifest_and_only_existing_files() -> None:
    resources_ = kustomization()["resources"]
    assert all((K8S / r).is_file() for r in resources_), resources_
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    templates = {p for p in on_disk if p.endswith(".example.yaml")}
    assert on_disk - templates == set(resources_), "a manifest is not (or no longer) applied"
    assert not templates & set(resources_), "a template would overwrite real values"
    namespaces = objects("Namespace")
    assert list(namespaces) == [kustomization()["namespace"]]


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_deployment_is_replicated_probed_non_root_and_bounded(service: str) -> None:
    deployments = objects("Deployment")
    assert service in deployments, f"no Deployment `{service}`"
    deployment = deployments[service]
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= deployment["spec"]["template"]["metadata"]["labels"].items()

    containers = {c["name"]: c for c in pod["containers"]}
    assert service in containers, f"{service}: no container named after the service"
    main = containers[service]
    assert re.fullmatch(rf"(.+/)?sihub/{service}(:[\w.-]+)?", main["image"]), main["image"]
    assert "command" not in main and "args" not in main, "the image's CMD serves"

    ready, alive = main.get("readinessProbe"), main.get("livenessProbe")
    assert ready and ready["httpGet"]["path"] == "/readyz", f"{service}: readiness on /readyz"
    assert alive and alive["httpGet"]["path"] == "/healthz", f"{service}: liveness on /healthz"
    for probe in (ready, alive, main.get("startupProbe")):
        if probe:
            assert probe_port(main, probe) == SERVICE_PORT

    for container in pod["containers"] + pod.get("initContainers", []):
        context = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
        assert context.get("runAsNonRoot") is True, f"{service}/{container['name']}: root allowed"
        assert context.get("runAsUser", 1) != 0
        assert context.get("allowPrivilegeEscalation") is False, container["name"]
        resources_ = container.get("resources", {})
        assert resources_.get("requests", {}).get("memory"), f"{container['name']}: no requests"
        assert resources_.get("limits", {}).get("memory"), f"{container['name']}: no memory limit"

    # The image's USER must be the uid Kubernetes runs it as.
    runtime = final_stage(dockerfile_instructions(DOCKERFILE))
    image_uid = [a for kw, a in runtime if kw == "USER"][-1].split(":")[0]
    assert str(pod["securityContext"].get("runAsUser")) == image_uid


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_migrations_run_before_the_service_on_its_own_database(service: str) -> None:
    pod = pod_spec(service)
    migrations = [
        c
        for c in pod.get("initContainers", [])
        if c.get("command") == [f"sihub-{service}", "migrate"]
    ]
    jobs = [
        j
        for j in objects("Job").values()
        if any(
            c.get("command") == [f"sihub-{service}", "migrate"]
            for c in j["spec"]["template"]["spec"]["containers"]
        )
    ]
    assert len(migrations) + len(jobs) == 1, f"one `sihub-{service} migrate` (initContainer or Job)"
    main = main_container(service)
    for migrate in migrations:
        assert migrate["image"] == main["image"]
        assert pod_env(migrate)["SIHUB_DATABASE_URL"] == pod_env(main)["SIHUB_DATABASE_URL"]


def test_k8s_secrets_come_from_the_secret_and_databases_are_distinct() -> None:
    template = yaml.safe_load((K8S / "secret.example.yaml").read_text())
    assert template["kind"] == "Secret"
    keys = template["stringData"]
    assert not objects("Secret"), "Secrets are created out of band, never applied from here"
    database_keys = {}
    for service in SERVICES:
        pod = pod_spec(service)
        for container in pod["containers"] + pod.get("initContainers", []):
            env = pod_env(container)
            for name, entry in env.items():
                if SECRET_NAME.search(name) or name == "SIHUB_DATABASE_URL":
                    ref = entry.get("valueFrom", {}).get("secretKeyRef")
                    assert ref, f"{service}/{container['name']}: {name} is not from a Secret"
                    assert ref["name"] == template["metadata"]["name"], ref
                    assert ref["key"] in keys, f"{ref['key']} missing from secret.example.yaml"
            for name in ("SIHUB_DATABASE_URL", "SIHUB_IDENTITY_SECRET"):
                assert name in env, f"{service}/{container['name']}: {name} not set"
            database_keys[service] = env["SIHUB_DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"]
    assert len(set(database_keys.values())) == len(SERVICES), database_keys
    databases = [database_name(keys[key]) for key in database_keys.values()]
    assert len(set(databases)) == len(databases), f"shared database: {databases}"
    for key, value in keys.items():
        assert "REPLACE_ME" in value, f"secret.example.yaml: {key} looks like a real value"
    for data in (config_map_data(g["name"]) for g in kustomization().get("configMapGenerator", [])):
        assert not any(SECRET_NAME.search(k) for k in data), "a secret in a ConfigMap"


@pytest.mark.parametrize("service", SERVICES)
def test_k8s_service_exposes_the_deployment_on_port_8000(service: str) -> None:
    assert service in objects("Service"), f"no Service `{service}`"
    spec = objects("Service")[service]["spec"]
    labels = objects("Deployment")[service]["spec"]["template"]["metadata"]["labels"]
    assert spec["selector"].items() <= labels.items()
    assert spec.get("type", "ClusterIP") == "ClusterIP", "only the Ingress is public"
    main = main_container(service)
    target = spec["ports"][0]["targetPort"]
    if isinstance(target, str):
        target = next(p["containerPort"] for p in main["ports"] if p["name"] == target)
    assert spec["ports"][0]["port"] == SERVICE_PORT and target == SERVICE_PORT


def test_k8s_gateway_is_the_only_public_entry() -> None:
    backends = {
        path["backend"]["service"]["name"]
        for ingress in objects("Ingress").values()
        for rule in ingress["spec"]["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {PUBLIC_SERVICE}
    for name, service in objects("Service").items():
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", f"{name} is exposed"

    upstreams = json.loads(env_value(main_container(PUBLIC_SERVICE), "SIHUB_UPSTREAMS"))
    assert set(upstreams) == set(SERVICES) - {PUBLIC_SERVICE}
    for name, url in upstreams.items():
        assert urlsplit(url).hostname == name and name in objects("Service"), url
        assert urlsplit(url).port == SERVICE_PORT


def nats_statefulset() -> dict[str, Any]:
    sets = objects("StatefulSet")
    assert "nats" in sets, "no NATS StatefulSet"
    return sets["nats"]


def nats_conf() -> tuple[str, str]:
    """(mount path, nats.conf text) of the config the StatefulSet actually mounts."""
    pod = nats_statefulset()["spec"]["template"]["spec"]
    container = pod["containers"][0]
    config_path = container["command"][container["command"].index("--config") + 1]
    mount = next(
        m for m in container["volumeMounts"] if config_path.startswith(m["mountPath"] + "/")
    )
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    data = config_map_data(volume["configMap"]["name"])
    return mount["mountPath"], data[Path(config_path).name]


def test_k8s_nats_is_a_three_node_jetstream_cluster_on_volumes() -> None:
    nats = nats_statefulset()
    replicas = nats["spec"]["replicas"]
    assert replicas == 3
    _, conf = nats_conf()
    jetstream = re.search(r"^jetstream\s*[:=]?\s*\{(?P<body>[^}]*)\}", conf, re.M)
    assert jetstream, "JetStream is not enabled in nats.conf"
    store_dir = re.search(r"store_dir\s*[:=]\s*\"?([^\s\"]+)", jetstream.group("body")).group(1)

    container = nats["spec"]["template"]["spec"]["containers"][0]
    claims = {t["metadata"]["name"] for t in nats["spec"]["volumeClaimTemplates"]}
    on_claim = [
        m
        for m in container["volumeMounts"]
        if m["name"] in claims and (store_dir + "/").startswith(m["mountPath"].rstrip("/") + "/")
    ]
    assert on_claim, f"JetStream store {store_dir} is not on a PersistentVolumeClaim"

    # Cluster routes name every replica through the headless service.
    service_name = nats["spec"]["serviceName"]
    headless = objects("Service")[service_name]["spec"]
    assert headless.get("clusterIP") == "None" and headless.get("publishNotReadyAddresses")
    cluster = re.search(r"^cluster\s*[:=]?\s*\{(?P<body>.*?)^\}", conf, re.M | re.S)
    assert cluster, "no cluster block in nats.conf"
    routes = re.findall(r"nats(?:-route)?://([\w.-]+):6222", cluster.group("body"))
    # nats-0.nats-headless, or the same with .<namespace>[.svc.cluster.local]
    pods = {".".join(r.removesuffix(".svc.cluster.local").split(".")[:2]) for r in routes}
    assert pods == {f"nats-{i}.{service_name}" for i in range(replicas)}, routes
    assert re.search(r"^server_name\s*[:=]\s*\$\w+", conf, re.M), "server_name per pod"

    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"].startswith("/healthz"), probe
    assert nats["spec"]["template"]["spec"]["securityContext"].get("runAsNonRoot") is True


def test_k8s_nats_conf_is_accepted_by_nats_server(tmp_path: Path) -> None:
    # The same check the server runs at start-up (`-t`): catches typos and bad sizes.
    binary = shutil.which("nats-server") or shutil.which(
        "nats-server", path=str(Path(sys.executable).parent)
    )
    if binary is None:
        pytest.skip("nats-server binary not installed")
    mount, _ = nats_conf()
    # Every file of the mounted ConfigMap (nats.conf includes nats-accounts.conf beside it).
    pod = nats_statefulset()["spec"]["template"]["spec"]
    volume = next(
        v for v in pod["volumes"]
        if v["name"] == next(m["name"] for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == mount)
    )
    for name, text in config_map_data(volume["configMap"]["name"]).items():
        (tmp_path / name).write_text(text)
    config = tmp_path / "nats.conf"
    # Every variable the pod sets (SERVER_NAME, ...), as the pod would have it.
    pod_vars = nats_statefulset()["spec"]["template"]["spec"]["containers"][0]["env"]
    env = {**os.environ, **{e["name"]: "nats-0" for e in pod_vars}}
    result = subprocess.run(
        [binary, "-t", "-c", str(config)], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr or result.stdout


def test_k8s_services_authenticate_to_nats_as_their_own_user() -> None:
    nats_env = pod_env(nats_statefulset()["spec"]["template"]["spec"]["containers"][0])
    for service in SERVICES:
        env = pod_env(main_container(service))
        assert env["SIHUB_NATS_USER"]["value"] == service
        key = env["SIHUB_NATS_PASSWORD"]["valueFrom"]["secretKeyRef"]["key"]
        served = nats_env[f"SIHUB_NATS_{service.upper()}_PASSWORD"]["valueFrom"]["secretKeyRef"]
        assert served["key"] == key, f"{service}: NATS and the service read different passwords"


def test_k8s_services_reach_nats_through_its_client_service() -> None:
    config = config_map_data("sihub-config")
    url = urlsplit(config["SIHUB_NATS_URL"])
    assert url.scheme in ("nats", "tls") and url.port == 4222
    assert url.hostname in objects("Service"), f"no Service {url.hostname}"
    assert objects("Service")[url.hostname]["spec"]["selector"].items() <= (
        nats_statefulset()["spec"]["template"]["metadata"]["labels"].items()
    )
    assert config.get("SIHUB_RUN_WORKERS") == "true"


def test_kustomize_renders_the_manifests() -> None:
    # kubectl's built-in kustomize resolves the generators and image pins offline.
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not installed")
    result = subprocess.run([kubectl, "kustomize", str(K8S)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    rendered = [d for d in yaml.safe_load_all(result.stdout) if d]
    names = {(d["kind"], d["metadata"]["name"]) for d in rendered}
    config_maps = {n for k, n in names if k == "ConfigMap"}
    for document in rendered:
        namespace = document["metadata"].get("namespace")
        assert document["kind"] == "Namespace" or namespace == kustomization()["namespace"]
        pod = document.get("spec", {}).get("template", {}).get("spec")
        if not pod:
            continue
        for container in pod["containers"] + pod.get("initContainers", []):
            assert ":" in container["image"].rsplit("/", 1)[-1], f"unpinned {container['image']}"
            for source in container.get("envFrom", []):
                assert source["configMapRef"]["name"] in config_maps
        for volume in pod.get("volumes", []):
            if "configMap" in volume:
                assert volume["configMap"]["name"] in config_maps


def test_k8s_ingress_lets_through_every_body_the_gateway_forwards() -> None:
    # Below the gateway's bound, ingress-nginx would answer a large ingest with its own HTML 413.
    from sihub_gateway.settings import GatewaySettings

    size = objects("Ingress")["gateway"]["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-body-size"]
    assert re.fullmatch(r"\d+m", size), size
    forwarded = GatewaySettings.model_fields["forwarded_max_body_bytes"].default
    assert int(size[:-1]) * 1024 * 1024 > forwarded


def test_k8s_ingress_waits_as_long_as_the_gateway_waits_for_a_service() -> None:
    # Shorter, ingress-nginx would answer a long ingest with its own HTML 504 while the gateway waits.
    from sihub_gateway.settings import GatewaySettings

    annotations = objects("Ingress")["gateway"]["metadata"]["annotations"]
    read_timeout_s = int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"])
    defaults = GatewaySettings.model_construct()
    assert read_timeout_s > max(defaults.upstream_timeout_s, *defaults.upstream_timeout_s_under.values())
