"""Usability: can models actually use these tools? (placeholder until task synthesis lands)"""

from __future__ import annotations

from mcpbench.check.model import CheckResult
from mcpbench.config import ServerSpec


class UsabilityUnavailable(Exception):
    """The parts the usability check needs are not available (yet)."""


async def usability(spec: ServerSpec, model_name: str) -> CheckResult:
    raise UsabilityUnavailable("usability checks are not available yet")
