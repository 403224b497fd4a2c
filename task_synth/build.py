"""Suites built by one command from a recipe (`mcpbench tasks build RECIPE`).

A recipe (YAML) names a suite and its *parts*: each part is a synthesis over a server selection (`servers`, `n`,
`seed`, …) or a file of curated plans (`plans`). The build runs every part on the live fleet, opening only that
part's servers, replays every task it made (`validate_suite`: the reference chain re-executed, checks re-read, the
final state read on the agent's instance and on a fresh one), keeps the tasks that pass, and writes the merged suite
plus a build report beside it (`FILE.build.json`: per part what was wanted, made, dropped by the replay and why, the
rejected candidates by stage, and wall time; the suite's shares by kind).

Each part's result is cached under the build directory, keyed by the part's options, the recipe's seed and a
fingerprint of the synthesizer's code (`code_fingerprint`): a build that crashed resumes at the first part not done,
and a changed synthesizer rebuilds everything. Same code, same recipe → same bytes (synthesis is seeded; see
docs/tasks.md "Determinism").
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from task_synth.filters import task_substance
from task_synth.task import Suite, Task

RECIPE_SUFFIX = ".build.yaml"
FINGERPRINT_GLOBS = ("task_synth/*.py", "task_synth/prompts/*.md", "mcpbench/world*.py", "mcpbench/data/world/**/*",
                     "judges/checks.py")
"""Files whose bytes decide what a synthesis makes and which of its tasks the replay keeps (the checks it
re-scores): any change invalidates every cached part."""
NOT_FINGERPRINTED = frozenset({"task_synth/build.py", "task_synth/pick.py"})
"""How parts are merged and picked does not change what a part makes."""


class Part(BaseModel):
    """One piece of a suite: a synthesis over `servers`, or the curated `plans` file (relative to the recipe)."""

    model_config = ConfigDict(extra="forbid")

    label: str | None = None
    servers: list[str] = Field(default_factory=list)
    n: int = Field(default=10, ge=1)
    seed: int | None = None
    """Default: the recipe's seed plus the part's index, so parts over the same servers differ."""
    plans: str | None = None
    cross_server_share: float | None = Field(default=None, ge=0, le=1)
    min_hops: int | None = Field(default=None, ge=1)
    max_hops: int | None = Field(default=None, ge=1)
    seed_world: bool = True
    variants: int | None = Field(default=None, ge=1)
    """SynthOptions.variants: more chains of each kind (different literals and topics) for large suites."""
    refill: bool | None = None
    """SynthOptions.refill (default on): a part short of `n` gets variants of its kept tasks' chains; false keeps one
    task per distinct chain."""
    tags: list[str] = Field(default_factory=list)
    """Added to every task of the part (after synthesis, so they do not change ids)."""

    @model_validator(mode="after")
    def _one_source(self) -> Part:
        if not self.servers and not self.plans:
            raise ValueError("a part needs `servers` (to synthesize) or `plans` (to ground)")
        return self

    def name(self, index: int) -> str:
        return self.label or (f"plans:{Path(self.plans).name}" if self.plans else "+".join(self.servers))


class Recipe(BaseModel):
    """What `mcpbench tasks build` makes: the suite, where it goes, and its parts."""

    model_config = ConfigDict(extra="forbid")

    suite: str
    version: str = "1"
    out: str
    """The suite file, relative to the recipe."""
    seed: int = 1
    validate_replay: bool = Field(default=True, alias="validate")
    """Replay every task and keep only those that pass (off: keep what synthesis made)."""
    parts: list[Part]
    left_out: dict[str, str] = Field(default_factory=dict)
    """Task id -> why it is left out of the suite: a task a later, independent validation found unsound after its
    part was built (e.g. a value that changes between episodes that both groundings and the replay saw unchanged).
    Recorded in the build report; the parts and their cache keys are unchanged."""


class PartReport(BaseModel):
    index: int
    name: str
    servers: list[str]
    wanted: int | None
    made: int = 0
    kept: int = 0
    dropped: dict[str, list[str]] = Field(default_factory=dict)
    """Task id -> why the replay failed it."""
    rejected_by_stage: dict[str, int] = Field(default_factory=dict)
    merged_away: list[str] = Field(default_factory=list)
    """Kept tasks an earlier part already holds (the same id, or the same calls and checks worded otherwise)."""
    left_out: dict[str, str] = Field(default_factory=dict)
    """Kept tasks the recipe leaves out (`Recipe.left_out`), with its reason."""
    cached: bool = False
    error: str | None = None
    wall_s: float = 0.0


class BuildReport(BaseModel):
    suite: str
    version: str
    out: str
    sha256: str = ""
    recipe_sha256: str
    code_fingerprint: str
    tasks: int = 0
    servers: list[str] = Field(default_factory=list)
    shares: dict[str, float] = Field(default_factory=dict)
    parts: list[PartReport] = Field(default_factory=list)
    wall_s: float = 0.0

    @property
    def failed_parts(self) -> list[PartReport]:
        return [p for p in self.parts if p.error]


class RecipeError(ValueError):
    """A recipe that cannot be read: the message names the file, the part and the field."""


def load_recipe(path: Path) -> Recipe:
    """Read and validate a recipe. Raises RecipeError naming the file, line (when known) and field."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise RecipeError(f"{path}: {e.strerror or e}") from None
    try:
        data = YAML(typ="safe", pure=True).load(text)
    except YAMLError as e:
        raise RecipeError(f"{path}: not YAML: {e}") from None
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise RecipeError(f"{path}: {where}: {err['msg']}") from None
    for i, part in enumerate(recipe.parts):
        if part.plans and not (path.parent / part.plans).is_file():
            raise RecipeError(f"{path}: parts.{i}.plans: no such file {path.parent / part.plans}")
    return recipe


def code_fingerprint(root: Path) -> str:
    """sha256 over the synthesizer's sources and the world's data (FINGERPRINT_GLOBS), in path order."""
    h = hashlib.sha256()
    for pattern in FINGERPRINT_GLOBS:
        for p in sorted(root.glob(pattern)):
            if p.is_file() and "__pycache__" not in p.parts and str(p.relative_to(root)) not in NOT_FINGERPRINTED:
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def part_key(recipe: Recipe, index: int, fingerprint: str, recipe_dir: Path) -> str:
    """The cache key of one part: its options, the recipe's seed and suite name, the code, and its plans' bytes."""
    part = recipe.parts[index]
    blob: dict[str, Any] = {"part": part.model_dump(mode="json"), "seed": _part_seed(recipe, index),
                            "suite": recipe.suite, "code": fingerprint, "validate": recipe.validate_replay}
    if part.plans:
        blob["plans_sha256"] = hashlib.sha256((recipe_dir / part.plans).read_bytes()).hexdigest()
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()[:16]


def _part_seed(recipe: Recipe, index: int) -> int:
    part = recipe.parts[index]
    return part.seed if part.seed is not None else recipe.seed + index


PartRunner = Callable[[Recipe, int, Path], Awaitable[tuple[list[Task], PartReport]]]
"""(recipe, part index, part dir) -> (the tasks the part keeps, its report). Raises on an unusable fleet."""


async def build_suite(recipe: Recipe, recipe_path: Path, run_part: PartRunner, *, cache: Path, root: Path,
                      fresh: bool = False, on_part: Callable[[PartReport], object] | None = None) -> BuildReport:
    """Run (or reuse) every part, merge their tasks (first id wins), write the suite and FILE.build.json.

    A part that fails (a server that does not connect, a stage that overruns) is recorded with its error and the
    build goes on; the suite then holds what the other parts made."""
    t0 = time.perf_counter()
    fingerprint = code_fingerprint(root)
    out = (recipe_path.parent / recipe.out).resolve()
    shown = out.relative_to(root) if out.is_relative_to(root) else out  # a shipped report names no machine's paths
    report = BuildReport(suite=recipe.suite, version=recipe.version, out=str(shown),
                         recipe_sha256=hashlib.sha256(recipe_path.read_bytes()).hexdigest(),
                         code_fingerprint=fingerprint)
    tasks: list[Task] = []
    seen: set[str] = set()
    twins: dict[str, str] = {}
    for i, part in enumerate(recipe.parts):
        key = part_key(recipe, i, fingerprint, recipe_path.parent)
        pdir = cache / recipe.suite / f"{i:03d}-{key}"
        done = pdir / "part.jsonl"
        meta = pdir / "part.json"
        start = time.perf_counter()
        if done.exists() and meta.exists() and not fresh:
            kept = list(Suite.load(done).tasks)
            prep = PartReport.model_validate_json(meta.read_text(encoding="utf-8"))
            prep.cached = True
        else:
            pdir.mkdir(parents=True, exist_ok=True)
            try:
                kept, prep = await run_part(recipe, i, pdir)
            except Exception as e:  # one broken part must not lose the others
                prep = PartReport(index=i, name=part.name(i), servers=part.servers, wanted=None if part.plans else
                                  part.n, error=f"{type(e).__name__}: {e}")
                kept = []
            prep.wall_s = round(time.perf_counter() - start, 1)
            if prep.error is None:
                kept = [t.model_copy(update={"tags": _with_tags(t.tags, part.tags)}) for t in kept]
                Suite(name=recipe.suite, version=recipe.version, tasks=kept).dump(done)
                meta.write_text(prep.model_dump_json(indent=1), encoding="utf-8")
        for t in kept:
            if t.id in recipe.left_out:
                prep.left_out[t.id] = recipe.left_out[t.id]
                continue
            what = task_substance(t)
            if t.id in seen or what in twins:
                prep.merged_away.append(t.id)
                continue
            seen.add(t.id)
            twins[what] = t.id
            tasks.append(t)
        report.parts.append(prep)
        if on_part is not None:
            on_part(prep)
    suite = Suite(name=recipe.suite, version=recipe.version, tasks=tasks)
    out.parent.mkdir(parents=True, exist_ok=True)
    suite.dump(out)
    report.sha256 = suite.sha256
    report.tasks = len(tasks)
    report.servers = sorted({s for t in tasks for s in t.servers})
    report.shares = suite_shares(tasks)
    report.wall_s = round(time.perf_counter() - t0, 1)
    build_report_path(out).write_text(report.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return report


def _with_tags(tags: list[str], extra: list[str]) -> list[str]:
    return tags + [x for x in extra if x not in tags]


def build_report_path(out: Path) -> Path:
    """FILE.jsonl -> FILE.build.json"""
    return out.with_name(out.name.removesuffix(".jsonl") + ".build.json")


def suite_shares(tasks: list[Task]) -> dict[str, float]:
    """The kinds of task a suite holds, as shares of its size (docs/tasks.md "Shipped suites")."""
    n = len(tasks) or 1
    multi = [t for t in tasks if len(t.servers) > 1]
    counts = {
        "multi_server": len(multi),
        "multi_server_3plus_hops": sum(t.hops >= 3 for t in multi),
        "stateful": sum("stateful" in t.tags for t in tasks),
        "final_state": sum(any(c.kind == "state" for c in t.checks) for t in tasks),
        "live_varying": sum(t.live_varying for t in tasks),
    }
    return {k: round(v / n, 4) for k, v in counts.items()}


def fleet_part_runner(config: Any, recipe_dir: Path, *, concurrency: int = 4) -> PartRunner:
    """The part runner of the CLI: open the part's servers from CONFIG (a FleetConfig), synthesize (or ground the
    plans), then replay every task on the same fleet and keep those that pass."""

    async def run(recipe: Recipe, index: int, pdir: Path) -> tuple[list[Task], PartReport]:
        from mcpbench.fleet import Fleet
        from task_synth.pipeline import SynthOptions
        from task_synth.replay import validate_suite
        from task_synth.synth import load_plans, synthesize

        part = recipe.parts[index]
        plans = load_plans(recipe_dir / part.plans) if part.plans else None
        names = part.servers or sorted({s.server for p in plans or [] for s in p.steps})
        specs = config.select(names)
        extra = {k: v for k, v in (("cross_server_share", part.cross_server_share), ("min_hops", part.min_hops),
                                   ("max_hops", part.max_hops), ("variants", part.variants),
                                   ("refill", part.refill)) if v is not None}
        options = SynthOptions(servers=[s.name for s in specs], n=part.n, seed=_part_seed(recipe, index),
                               id_prefix=recipe.suite, seed_world=part.seed_world, concurrency=concurrency, **extra)
        report = PartReport(index=index, name=part.name(index), servers=options.servers,
                            wanted=None if plans else part.n)
        async with Fleet.open(specs) as fleet:
            failed = {n: st.error for n, st in fleet.status.items() if st.status == "failed"}
            if failed:
                raise RuntimeError("server(s) failed to connect: " + "; ".join(f"{k}: {v}" for k, v in
                                                                             sorted(failed.items())))
            state = await synthesize(fleet, options, plans=plans, work=pdir / "work")
            tasks = list(state.tasks)
            report.made = len(tasks)
            report.rejected_by_stage = dict(sorted(Counter(r.stage for r in state.rejected).items()))
            if recipe.validate_replay and tasks:
                results = await validate_suite(Suite(name=recipe.suite, tasks=tasks), fleet, concurrency=concurrency)
                report.dropped = {r.id: list(r.reasons) for r in results if not r.ok}
                tasks = [t for t, r in zip(tasks, results, strict=True) if r.ok]
        report.kept = len(tasks)
        return tasks, report

    return run


__all__ = ["BuildReport", "Part", "PartReport", "PartRunner", "Recipe", "RecipeError", "build_report_path",
           "build_suite", "code_fingerprint", "fleet_part_runner", "load_recipe", "part_key", "suite_shares"]
