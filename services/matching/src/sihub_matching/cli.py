"""`sihub-matching`: migrate, serve."""

from __future__ import annotations

from pathlib import Path

from sihub_matching.settings import MatchingSettings
from sihub_shared.cli import service_cli

app = service_cli(
    "matching",
    settings_class=MatchingSettings,
    app_factory="sihub_matching.main:create_app",
    migrations=Path(__file__).parent / "migrations",
)
