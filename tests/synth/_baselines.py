"""The oracle and do-nothing baselines on a synthesised suite, through the real runner (synthesis tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio

from mcpbench.runner import Runner, RunOptions


async def run_baselines(suite: Path, servers_yaml: str, tmp: Path) -> Any:
    """Run both baselines on `suite` with the fleet described by `servers_yaml` (the `servers:` entries); assert the
    oracle scores ≥ 0.95 and do-nothing ≤ 0.05; return the run's result."""
    cfg = tmp / "servers.yaml"
    cfg.write_text(f"version: 1\nservers:\n{servers_yaml}", encoding="utf-8")
    with anyio.fail_after(420):
        res = await Runner(RunOptions(models=["scripted/oracle", "scripted/do-nothing"], suite=str(suite),
                                      config=cfg, out=tmp / "run", concurrency=2)).run()
    models = res.results["models"]
    assert models["scripted/oracle"]["overall"]["mean"] >= 0.95
    assert models["scripted/do-nothing"]["overall"]["mean"] <= 0.05
    return res
