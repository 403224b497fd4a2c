"""Shared fixtures: real subprocess servers from tests/, the default fleet config, anyio backend."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fleet" / "servers" / "toy_server.py"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def toy_spec():
    """Build a ServerSpec for the toy server (real stdio subprocess)."""
    from mcpbench.config import ServerSpec

    def make(name: str = "toy", **kw):
        kw.setdefault("command", sys.executable)
        kw.setdefault("args", [str(TOY)])
        return ServerSpec(name=name, **kw)

    return make
