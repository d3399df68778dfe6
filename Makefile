# sihub: the two commands are `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PYTEST_ARGS ?=

.PHONY: run test env lint-imports bench-events bench-gateway chaos-broker bench-registry bench-indicators bench-matching bench-webhooks clean

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

env: $(UV)
	$(UV) sync --frozen

## The whole stack on this machine: nats-server, SQLite files under var/, every service, gateway on :8000, demo data.
run: env
	$(UV) run sihub-dev run

## The whole test suite: real SQLite, PostgreSQL (127.0.0.1:5432 or TEST_DATABASE_URL) and nats-server.
test: env
	$(UV) run pytest $(PYTEST_ARGS)

lint-imports: env
	$(UV) run lint-imports

bench-events: env
	$(UV) run python bench/bench_events.py

bench-gateway: env
	$(UV) run python bench/bench_gateway.py

chaos-broker: env
	$(UV) run python bench/chaos_broker.py

bench-registry: env
	$(UV) run python bench/bench_registry.py

bench-indicators: env
	$(UV) run python bench/bench_indicators.py

bench-matching: env
	$(UV) run python bench/bench_matching.py

bench-webhooks: env
	$(UV) run python bench/bench_webhooks.py

clean:
	rm -rf var .pytest_cache
