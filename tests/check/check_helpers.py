"""Helpers for the check tests: the broken fixture servers and a fast check run against one of them."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

from mcpbench.check import CheckOptions, CheckReport, Target, run_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "servers"
FAST = CheckOptions(call_timeout_s=2.0, connect_timeout_s=30.0)


def fixture_target(name: str) -> Target:
    return Target.from_command([sys.executable, str(FIXTURES / f"{name}.py")], name=name)


_REPORTS: dict[tuple[str, CheckOptions], CheckReport] = {}


async def check_fixture(name: str, options: CheckOptions = FAST) -> CheckReport:
    """Check a fixture server once per test session (several tests read the same report; it is plain data)."""
    key = (name, options)
    if key not in _REPORTS:
        with anyio.fail_after(120):
            _REPORTS[key] = await run_check(fixture_target(name), options)
    return _REPORTS[key].model_copy(deep=True)
