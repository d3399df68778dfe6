"""The file formats an ingest reads: apart from the schemas, so that the command line's `--format`
option does not load the ORM models at every start of `sihub-indicators`."""

from __future__ import annotations

from enum import StrEnum


class IngestFormat(StrEnum):
    CSV = "csv"
    SDMX_ML = "sdmx-ml"
    SDMX_CSV = "sdmx-csv"
