# sihub: the two commands are `make run` and `make test`. Everything else is optional.
SHELL := /bin/bash
UV_VERSION := 0.13.8
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
# Two workers: the machines have two cores, and the suite (live stacks, real brokers) waits on I/O.
PYTEST_ARGS ?= -n 2 --dist worksteal

# Debian tools the reports' tests use as a reader would: poppler-utils (pdffonts, pdftoppm,
# pdftotext) and chromium. Installed when missing (CI runs as root); elsewhere those tests skip.
TEST_TOOLS := pdffonts:poppler-utils chromium:chromium

.PHONY: run test test-tools env lint-imports bench-events bench-gateway chaos-broker bench-registry bench-indicators bench-matching bench-webhooks bench-reports bench-load clean

$(UV):
	python3 -m pip install --quiet --user "uv==$(UV_VERSION)" || python3 -m pip install --quiet "uv==$(UV_VERSION)"

env: $(UV)
	$(UV) sync --frozen

## The whole stack on this machine: nats-server, SQLite files under var/, every service, gateway on :8000, demo data.
run: env
	$(UV) run sihub-dev run

## The whole test suite: real SQLite, PostgreSQL (127.0.0.1:5432 or TEST_DATABASE_URL) and nats-server.
test: env test-tools
	$(UV) run pytest $(PYTEST_ARGS)

test-tools:
	@missing=""; for pair in $(TEST_TOOLS); do command -v $${pair%%:*} >/dev/null || missing="$$missing $${pair##*:}"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

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

bench-reports: env
	$(UV) run python bench/bench_reports.py
## The stack as `make run` starts it under 8 mixed clients (MINUTES=10): no 5xx, bounded WAL, flat throughput.
MINUTES ?= 10
bench-load: env
	$(UV) run python bench/bench_load.py --minutes $(MINUTES)

clean:
	rm -rf var .pytest_cache
