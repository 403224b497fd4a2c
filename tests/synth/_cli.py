"""Run the real `mcpbench` console script from a synthesis test."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio

MCPBENCH = str(Path(sys.executable).parent / "mcpbench")


async def run_mcpbench(*args: str, cwd: Path, timeout: float) -> tuple[int, str, str]:
    """Run the real console script; (exit code, stdout, stderr)."""
    with anyio.fail_after(timeout):
        proc = await anyio.run_process([MCPBENCH, *args], cwd=cwd, check=False)
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()
