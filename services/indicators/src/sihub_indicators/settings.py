from __future__ import annotations

from pydantic import Field

from sihub_shared.settings import ServiceSettings

MEBIBYTE = 1024 * 1024
MAX_STRUCTURE_BYTES = 20 * MEBIBYTE


class IndicatorsSettings(ServiceSettings):
    service_name: str = "indicators"
    # The shared body-limit middleware applies one limit to every route (SIHUB_MAX_BODY_BYTES);
    # here it must admit observation files, so its default is 100 MiB instead of 1 MiB. Uploads
    # are spooled to disk (/tmp) and parsed in chunks, so the limit bounds disk, not memory.
    max_body_bytes: int = Field(default=100 * MEBIBYTE, ge=1024)
    # An SDMX-ML structure message (the DSD sent with the data) is read whole into memory by
    # sdmx1, unlike the data, so it has its own, smaller bound (SIHUB_MAX_STRUCTURE_BYTES).
    max_structure_bytes: int = Field(default=MAX_STRUCTURE_BYTES, ge=1024)
    # Rows parsed, validated and staged per step of an ingest (memory is proportional to this).
    ingest_chunk_rows: int = Field(default=20_000, ge=100, le=1_000_000)
    # At most this many row errors are listed in a refused ingest (all are counted).
    max_reported_errors: int = Field(default=100, ge=1, le=10_000)
