"""`discover --probe`: connect to every found server at once, each under a deadline, and count its tools.

Probing goes through the fleet (the same spawn, env, deadline and teardown rules as a benchmark run). A server whose
${VAR} references are not set is not started at all: it is reported as 'skipped' with the variables to set.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import anyio
from pydantic import BaseModel, ValidationError

from mcpbench.config import ServerSpec, Timeouts, referenced_vars
from mcpbench.discover.model import DiscoveredServer

ProbeStatus = Literal["connected", "failed", "skipped"]


class ProbeResult(BaseModel):
    """What connecting to one found server gave."""

    status: ProbeStatus
    tools: int | None = None
    """Number of tools listed (connected servers only)."""
    version: str | None = None
    connect_ms: float | None = None
    error: str | None = None
    """Why it failed or was skipped, phrased for the user."""


def server_timeouts(connect: float) -> Timeouts:
    return Timeouts.model_validate({"connect": connect})


def _count(tools: Any) -> int | None:
    if tools is None:
        return None
    return len(tools) if isinstance(tools, (list, tuple, dict, set)) else int(tools)


def probe_specs(found: list[DiscoveredServer], *, timeout: float,
                environ: Mapping[str, str] | None = None) -> tuple[list[ServerSpec | None], list[ProbeResult | None]]:
    """The spec to connect for each found server (unique names, launched as found, connect deadline = timeout),
    or None with a 'skipped'/'failed' result when it cannot be started."""
    env = os.environ if environ is None else environ
    specs: list[ServerSpec | None] = []
    early: list[ProbeResult | None] = []
    for i, server in enumerate(found):
        try:
            spec = server.to_spec(name=f"p{i}-{server.spec_name()}"[:32]).model_copy(
                update={"install": None, "enabled": True, "timeouts": server_timeouts(timeout)})
        except ValidationError as e:
            specs.append(None)
            early.append(ProbeResult(status="failed", error=f"not a valid server entry: {e.errors()[0]['msg']}"))
            continue
        missing = sorted(v for v in referenced_vars(spec) if v not in env)
        if missing:
            specs.append(None)
            early.append(ProbeResult(status="skipped", error="set " + ", ".join(missing) + " to probe it"))
            continue
        specs.append(spec)
        early.append(None)
    return specs, early


async def probe(found: list[DiscoveredServer], *, timeout: float = 20.0, home: Path | None = None,
                log_dir: Path | None = None) -> list[ProbeResult]:
    """One ProbeResult per found server, in order. Connections run concurrently; the whole probe is bounded by
    `timeout` plus a shutdown grace, so one hanging server never blocks the others' results."""
    from mcpbench.fleet import Fleet

    specs, results = probe_specs(found, timeout=timeout)
    live = [s for s in specs if s is not None]
    if live:
        statuses: dict[str, Any] = {}
        with anyio.move_on_after(timeout + 15.0) as scope:
            async with Fleet.open(live, home=home, log_dir=log_dir) as fleet:
                statuses = dict(fleet.status)
        for i, spec in enumerate(specs):
            if spec is None:
                continue
            st = statuses.get(spec.name)
            if st is None:
                why = "no answer before the probe deadline" if scope.cancelled_caught else "not reported by the fleet"
                results[i] = ProbeResult(status="failed", error=why)
            elif st.status == "connected":
                results[i] = ProbeResult(status="connected", tools=_count(st.tools), version=st.version,
                                         connect_ms=st.connect_ms)
            else:
                results[i] = ProbeResult(status="failed", error=str(st.error or "failed"), connect_ms=st.connect_ms)
    return [r if r is not None else ProbeResult(status="failed", error="not probed") for r in results]


__all__ = ["ProbeResult", "ProbeStatus", "probe", "probe_specs"]
