"""Fixtures of the discovery tests: the fixture folder and the fake secrets planted in it."""

from __future__ import annotations

from pathlib import Path

import pytest

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discover"

PLANTED_SECRETS = (
    "ghp_FAKEdesktop0123456789abcdefABCDEF", "FAKEpgPassw0rd", "FAKEsentryBearerToken123", "ctx7-FAKEcursorKey987654",
    "FAKEfigmaQueryKey555", "FAKEpuppeteerArgToken", "FAKEclineHeaderKey42",
    "github_pat_FAKEgemini0123456789abcdefghij", "xoxb-FAKEzed-123456789012", "FAKEzedRemoteToken",
    "FAKEzedExtSetting", "ghp_FAKEgoose0123456789abcdefABCDEFGH", "FAKEgooseBearer", "FAKEcontinueSecret77",
    "FAKEcodexEnvKey31337", "hf_FAKElmstudio0123456789abcdefgh",
)
"""Every clear secret planted in tests/fixtures/discover (all fake)."""


@pytest.fixture
def fixtures_dir() -> Path:
    return FIX


@pytest.fixture
def planted_secrets() -> tuple[str, ...]:
    return PLANTED_SECRETS


@pytest.fixture
def config_fixtures() -> list[Path]:
    """Every client config / server.json fixture (not the tool catalog used by the search tests)."""
    return sorted(p for p in FIX.iterdir() if p.name != "tools.json")
