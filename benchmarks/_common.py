"""Shared pieces of the performance harness: result records, the machine description, percentiles, the toy server,
argument parsing (--quick, --json) and a profiler wrapper. Benchmarks are scripts, not tests: each prints its figures
and the ratio to a baseline measured in the same run, and writes its records as JSON for run_all.py."""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

ROOT = Path(__file__).resolve().parent.parent
TOY_SERVER = ROOT / "tests" / "fleet" / "servers" / "toy_server.py"
"""A small real stdio MCP server (mcp 2.x MCPServer); its `add` tool is the fast stateless tool the harness calls."""


RECORDED = "recorded"
"""The target of a measure that has none: the figure is recorded, never passed or missed."""


class BenchResult(BaseModel):
    """One row of benchmarks/results.json."""

    id: str
    measure: str
    value: float | None
    """The measured figure, in `unit`."""
    baseline: float | None = None
    """The baseline measured in the same run (None when the measure has none)."""
    ratio: float | None = None
    """value / baseline (for P3: achieved share of the ideal throughput)."""
    target: str
    passed: bool | None = Field(default=None, serialization_alias="pass")
    """True/False against the target; None for a measure that is only recorded (target RECORDED)."""
    unit: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    """Every other figure the script measured (p95s, counts, workload sizes, the second measurement, ...)."""
    notes: str = ""
    profile: str | None = None
    """A profiler excerpt, kept when the target was missed."""

    def record(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


def machine() -> dict[str, Any]:
    """cpu model, cores, RAM, python, mcp version, date and load average of this machine, now."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass

    def version(dist: str) -> str | None:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return None

    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                            timeout=10, check=False).stdout.strip() or None
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gb": ram_gb, "python": platform.python_version(),
            "mcp": version("mcp"), "anyio": version("anyio"), "inspect_ai": version("inspect-ai"),
            "mcpbench_commit": commit, "platform": platform.platform(),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "loadavg": [round(x, 2) for x in os.getloadavg()]}


def verdict_of(target: str, passed: bool | None, value: float | None, yes: str, no: str) -> str:
    """A row's verdict: pass/miss against a target; for a measure that is only recorded (no target, no pass), whether
    its figure was recorded."""
    if target == RECORDED:
        return "recorded" if value is not None else "not recorded"
    return {True: yes, False: no, None: "–"}[passed]


def percentile(xs: list[float], q: float) -> float:
    """Linear-interpolated percentile, q in [0, 100]."""
    if not xs:
        raise ValueError("percentile of nothing")
    s = sorted(xs)
    k = (len(s) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def parse_args(description: str, extra: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", default=os.environ.get("MCPBENCH_BENCH_QUICK") == "1",
                   help="Small workloads (development on a loaded machine); also MCPBENCH_BENCH_QUICK=1.")
    p.add_argument("--json", type=Path, default=None, help="Write the result records here (run_all.py reads them).")
    p.add_argument("--profile", action="store_true", help="Profile the measured section with pyinstrument.")
    if extra:
        extra(p)
    return p.parse_args()


def emit(results: list[BenchResult], path: Path | None) -> None:
    """Print a summary line per result and write the records."""
    for r in results:
        ratio = f"{r.ratio:.3f}" if r.ratio is not None else "-"
        verdict = verdict_of(r.target, r.passed, r.value, "PASS", "MISS")
        print(f"{r.id}: {r.measure}: value={_fmt(r.value)} {r.unit} baseline={_fmt(r.baseline)} ratio={ratio} "
              f"target {r.target} -> {verdict}")
    if path is not None:
        path.write_text(json.dumps([r.record() for r in results], indent=2) + "\n")


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"


@contextmanager
def profiled(enabled: bool, *, async_mode: str = "enabled") -> Iterator[Callable[[], str | None]]:
    """Profile the block with pyinstrument when enabled; yields a function returning the text excerpt afterwards."""
    if not enabled:
        yield lambda: None
        return
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.001, async_mode=async_mode)
    profiler.start()
    out: list[str] = []
    try:
        yield lambda: out[0] if out else None
    finally:
        profiler.stop()
        text = profiler.output_text(unicode=False, color=False, show_all=False, short_mode=False)
        out.append(_excerpt(text))


def _excerpt(text: str, max_lines: int = 45) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return "\n".join(lines[:max_lines])


def toy_spec(name: str = "toy", **overrides: Any) -> Any:
    """A ServerSpec for the toy server (stdio, stateless unless overridden)."""
    from mcpbench.config import ServerSpec

    return ServerSpec(name=name, command=sys.executable, args=[str(TOY_SERVER)], **overrides)


__all__ = [
    "RECORDED",
    "ROOT",
    "TOY_SERVER",
    "BenchResult",
    "emit",
    "machine",
    "parse_args",
    "percentile",
    "profiled",
    "toy_spec",
]
