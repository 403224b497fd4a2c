"""The oracle and do-nothing baselines on a synthesised suite, through the real runner (synthesis tests)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import anyio

from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet
from mcpbench.runner import Runner, RunOptions
from task_synth import Suite, SynthOptions, synthesize, validate_suite, write_outputs


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


def stateful_fixture(name: str, path: Path) -> ServerSpec:
    """The fixture server at PATH as a stateful stdio server NAME: a fresh process and working dir per episode."""
    return ServerSpec(name=name, command=sys.executable, args=[str(path)], cwd="${EPISODE_DIR}", stateful=True)


async def synthesized(spec: ServerSpec, tmp: Path, n: int, seed: int) -> tuple[Any, Suite]:
    """(the synthesis state, the suite) of N tasks synthesized from the one fixture server SPEC into TMP/a.jsonl."""
    with anyio.fail_after(900):
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=[spec.name], n=n, seed=seed), work=tmp / "w")
            write_outputs(state, tmp / "a.jsonl", spec.name)
    return state, Suite.load(tmp / "a.jsonl")


async def validated_and_scored(spec: ServerSpec, suite: Suite, tmp: Path) -> Any:
    """Validate every task of SUITE on SPEC (all must pass), then run both baselines on TMP/a.jsonl."""
    with anyio.fail_after(600):
        async with Fleet.open([spec]) as fleet:
            results = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in results), [(r.id, r.reasons) for r in results if not r.ok]
    entry = f"  - name: {spec.name}\n    command: {spec.command}\n    args: {list(spec.args)!r}\n"
    entry += (f"    cwd: \"{spec.cwd}\"\n" if spec.cwd else "") + ("    stateful: true\n" if spec.stateful else "")
    return await run_baselines(tmp / "a.jsonl", entry, tmp)


def valid_tasks(spec: ServerSpec, out: Path, n: int, seed: int) -> list[dict[str, Any]]:
    """Synthesize N tasks from the one fixture server SPEC into OUT, validate every one on the same fleet (all must
    pass), and return the tasks as JSON (for synchronous tests)."""
    async def go() -> None:
        async with Fleet.open([spec]) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=[spec.name], n=n, seed=seed))
            write_outputs(state, out, spec.name)
            report = await validate_suite(Suite.load(out), fleet)
            assert all(r.ok for r in report), [r for r in report if not r.ok]

    anyio.run(go)
    return [json.loads(line) for line in out.read_text().splitlines()[1:]]


async def mixed_suite_scored(specs: list[ServerSpec], tmp: Path, n: int, seed: int) -> Suite:
    """Synthesize N tasks from the fixture servers SPECS selected together into TMP/a.jsonl, validate every one on
    the same fleet (all must pass), run both baselines on it, and return the suite."""
    with anyio.fail_after(900):
        async with Fleet.open(specs) as fleet:
            state = await synthesize(fleet, SynthOptions(servers=[s.name for s in specs], n=n, seed=seed),
                                     work=tmp / "w")
            write_outputs(state, tmp / "a.jsonl", "mixed")
            suite = Suite.load(tmp / "a.jsonl")
            report = await validate_suite(suite, fleet, concurrency=2)
    assert all(r.ok for r in report), [(r.id, r.reasons) for r in report if not r.ok]
    entries = "".join(f"  - name: {s.name}\n    command: {s.command}\n    args: {list(s.args)!r}\n"
                      + (f'    cwd: "{s.cwd}"\n' if s.cwd else "") + ("    stateful: true\n" if s.stateful else "")
                      for s in specs)
    await run_baselines(tmp / "a.jsonl", entries, tmp)
    return suite
