# syntax=docker/dockerfile:1
# Every service's image, from this one file (a fix made here is made in all): build it from the
# repository root, where the uv workspace lock lives, naming the service (a folder of services/):
#   docker build --build-arg SERVICE=registry -t sihub/registry .

# uv pinned to the version that writes uv.lock, so `--frozen` reads the lock exactly as CI does.
FROM ghcr.io/astral-sh/uv:0.13.8 AS uv

FROM python:3.11-slim AS build
ARG SERVICE
RUN test -n "$SERVICE" || { echo "name the service: --build-arg SERVICE=registry" >&2; exit 1; }
COPY --from=uv /uv /uvx /bin/
# Bytecode compiled here (the runtime root filesystem is read-only); copy rather than hardlink out
# of the cache mount; never download a Python: the venv must link to this image's interpreter,
# which the runtime stage has at the same path.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Third-party dependencies first, from the lock alone: this layer is reused until uv.lock changes.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-install-workspace --package sihub-${SERVICE}

# Then only the code this service runs (shared + itself): other services' edits do not rebuild it.
COPY shared shared
COPY services/${SERVICE} services/${SERVICE}
# --no-editable installs the workspace packages into the venv, so the runtime stage needs no sources.
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=uv.lock,target=uv.lock \
    --mount=type=bind,source=pyproject.toml,target=pyproject.toml \
    uv sync --frozen --no-dev --no-editable --package sihub-${SERVICE}

FROM python:3.11-slim AS runtime
ARG SERVICE
# WeasyPrint's system libraries, which it loads at import (the PDF rendering): Pango with its
# FreeType backend and HarfBuzz's subsetter; they pull in fontconfig and its fallback font. The
# fonts the PDFs print with come with the Python packages, so no other font package is needed.
# The same names in Debian 12 and 13.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
 && rm -rf /var/lib/apt/lists/*
# A numeric uid: Kubernetes' runAsNonRoot can only verify a numeric USER. The venv stays owned by
# root, so the process cannot rewrite its own code.
RUN groupadd --system --gid 10001 sihub \
 && useradd --system --uid 10001 --gid sihub --home-dir /app --no-create-home \
    --shell /usr/sbin/nologin sihub
# Same path as in the build stage: the console scripts' shebangs point at it.
COPY --from=build /app/.venv /app/.venv
# One CMD for every image: `sihub-service` is this image's service's own command (sihub-registry).
RUN ln -s /app/.venv/bin/sihub-${SERVICE} /usr/local/bin/sihub-service
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# python, not curl: the slim image has no curl. urlopen raises on anything but 2xx, so exit != 0.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["sihub-service", "serve", "--host", "0.0.0.0", "--port", "8000"]
