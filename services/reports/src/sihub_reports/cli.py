"""`sihub-reports`: migrate, serve, and build (a report to a file, with a progress bar)."""

from __future__ import annotations

from pathlib import Path

from sihub_shared.cli import service_cli

from sihub_reports.settings import ReportsSettings

app = service_cli(
    "reports",
    settings_class=ReportsSettings,
    app_factory="sihub_reports.main:create_app",
    migrations=Path(__file__).parent / "migrations",
)
