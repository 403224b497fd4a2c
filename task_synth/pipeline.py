"""The synthesis pipeline: registered steps over a shared state, every artifact written to the work dir.

    graph (schema, probe[, llm]) → sample → ground → write → filter [→ refill: variants when short of n]

Work dir: graph.json, chains.jsonl, grounded.jsonl, tasks.jsonl, rejected.jsonl (and plans are read from a file).
Determinism: one seed drives every choice, every collection is iterated in sorted or insertion order, grounding runs
concurrently but its results are keyed by chain, and run-specific values never reach tasks.jsonl (normalise.py).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import json
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import anyio
from pydantic import BaseModel, ConfigDict, Field

from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.models.base import Provider
from mcpbench.outcomes import ToolOutcome
from task_synth.artifacts import Chain, Draft, Grounded, Rejection, TaskPlan, ToolGraph
from task_synth.registry import StepRef
from task_synth.task import Task

VERSION = "0.1"

DEFAULT_EXCLUDE: tuple[str, ...] = ()
"""'server/tool' patterns left out of sampling whatever the fleet says. Empty: what a server's tools should not be
sampled for is the fleet's knowledge, declared per server in servers.yaml (`synth_exclude`, `declared_exclusions`)."""


def declared_exclusions(live: object, servers: list[str]) -> list[str]:
    """The 'server/tool' patterns the selected servers declare in their servers.yaml entries (`synth_exclude`).
    `live` is the fleet (its `specs` map names to `ServerSpec`); a fleet without specs declares nothing."""
    specs = getattr(live, "specs", None) or {}
    return [f"{name}/{pat}" for name in servers if (spec := specs.get(name)) is not None
            for pat in getattr(spec, "synth_exclude", ())]


class EpisodeCalls(Protocol):
    async def call_real(self, server: str, tool: str, arguments: dict[str, Any],
                        timeout: float | None = None) -> ToolOutcome: ...


class LiveTools(Protocol):
    """What synthesis needs from the fleet (mcpbench.fleet.Fleet implements it)."""

    catalog: Catalog
    builtins: dict[str, str]

    def episode(self, episode_id: str | None = None, servers: list[str] | None = None,
                call_timeout_s: float | None = None, files: Mapping[str, Mapping[str, str]] | None = None
                ) -> AbstractAsyncContextManager[EpisodeCalls]: ...


class SynthOptions(BaseModel):
    """Everything that shapes a synthesis run (recorded, with the steps, in the output's header)."""

    model_config = ConfigDict(frozen=True)

    servers: list[str]
    n: int = Field(default=10, ge=1)
    seed: int = 0
    writer: str | None = None
    """'provider/model' for LLM graph proposals, writing and scoring; None: templates only."""
    planner: str | None = None
    """'provider/model' that proposes scenarios and chains (planner.py); replaces the graph walk and the writer."""
    model_timeout_s: float = Field(default=180.0, gt=0)
    """Deadline of one model request (writer or planner); a model that misses it stops being asked (llm.py)."""
    min_hops: int = Field(default=2, ge=1)
    max_hops: int = Field(default=6, ge=1)
    """Longest task (walks stop at 5 hops; a seeded task that keeps records on two servers takes up to 6)."""
    oversample: int = Field(default=4, ge=1)
    """Chains sampled per task wanted (grounding and filters drop some)."""
    variants: int = Field(default=1, ge=1)
    """How many variants of each kind of chain one run may make: it multiplies the walk sampler's cap per tool
    sequence (2), the seeded tasks per server (6) and joined (6), and the world calculations per tool (3). Raise it for
    large suites (`wide` uses 4); the sampled chains then differ in their literals and topics, not their tools."""
    cross_server_share: float = Field(default=0.5, ge=0, le=1)
    """Share of chains that should span more than one server (when the fleet allows it)."""
    exclude: list[str] = Field(default_factory=lambda: list(DEFAULT_EXCLUDE))
    """'server/tool' glob patterns left out of the graph."""
    concurrency: int = Field(default=4, ge=1)
    call_timeout_s: float = Field(default=120.0, gt=0)
    """Deadline of one tool call while probing and grounding (generous: a loaded machine makes slow servers slower)."""
    stage_timeout_s: float = Field(default=1800.0, gt=0)
    id_prefix: str = "synth"
    seed_world: bool = True
    """Write the world's facts into servers isolated per episode and ask about them (stateful tasks)."""
    refill: bool = True
    """When the distinct chains give fewer than `n` tasks, make variants of the kept tasks' chains — asked another
    field or question, or with other literal arguments — each grounded, worded and filtered like any chain
    (refill.py). False: one task per distinct chain at most."""
    lone_reads: bool = True
    """Read tools no walk reaches (a single-tool server, reads that feed nothing) get one-hop chains — one read, one
    question — for what the walks left short of `n × oversample` (sampling.lone_reads); the only tasks allowed one
    hop. False: walks only."""


@dataclass
class SynthState:
    """Shared by every step of one run."""

    options: SynthOptions
    live: LiveTools
    entries: list[ToolEntry]
    builtins: dict[str, str]
    model: Provider | None = None
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    graph: ToolGraph = field(default_factory=ToolGraph)
    chains: list[Chain] = field(default_factory=list)
    plans: dict[str, TaskPlan] = field(default_factory=dict)
    """Curated plans by chain id (their drafts come from the plan, not a writer)."""
    grounded: list[Grounded] = field(default_factory=list)
    drafts: dict[str, Draft] = field(default_factory=dict)
    tasks: list[Task] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    states: dict[str, tuple[list[dict[int, str]], dict[int, str]]] = field(default_factory=dict)
    """Chain id -> (final-state reads after each grounding run, reads on a fresh instance): for state checks."""
    single_hop: set[str] = field(default_factory=set)
    """Chain ids of lone reads (sampling.lone_reads): the `hops` rule lets them have one hop."""
    walker: Any = None
    """The walk sampler's walker (sampling._Walker), kept for lone reads made after grounding (sampling.LoneRetry)."""
    guard: Any = None
    """The run's llm.ModelGuard (deadline, breaker), made on first use."""
    on_progress: Callable[[SynthState], object] | None = None
    """Called whenever a task is kept (the CLI writes the suite then, so a run that dies keeps what it made)."""
    variants: dict[str, Any] = field(default_factory=dict)
    """'server/name' -> variants.Variant: the documented actions of tools split into tools of their own (their
    calls go to the real tool; tasks name the real tool)."""
    asked: dict[str, list[str]] = field(default_factory=dict)
    """Chain id -> values its sibling tasks already ask (refill.py): the writer asks another field of the output."""
    askers: dict[str, Callable[[str, int], Draft | None]] = field(default_factory=dict)
    """Chain id -> a function giving the draft of a copy of that chain (its id) asked its k-th other question (k ≥ 1),
    None past the last: filled by steps that word their own drafts (seeding), used by refill.py."""
    task_chain: dict[str, str] = field(default_factory=dict)
    """Task id -> the chain id it was assembled from (the rule filter records it; refill.py reads it)."""
    writers: dict[str, list[Any]] = field(default_factory=dict)
    """Server -> the seeded plans that worked there (seeding.Plan: topic, steps ending with the verifying read, file
    format), kept by seeding for carried answers (carry.py)."""
    existing: dict[tuple[str, str], str] = field(default_factory=dict)
    """(server, value a seeded write first gave) -> the existing item's name its error suggested instead ("no exercise
    matching 'X'. Did you mean: Sight Reading, …?"): later steps take the name, and requests call it the item it is
    (seeding.py)."""
    parts: dict[str, list[str]] = field(default_factory=dict)
    """Chain id of a task joined from others (carry.py, compound.py) -> the chain ids of those others: a suite that
    keeps the joined task asks its parts on their own only when nothing else is left (synth._without_parts)."""
    offered: dict[str, dict[str, str]] = field(default_factory=dict)
    """Server -> the files synthesis put in its sandbox (task_synth.offered): every episode has them, and every task
    on the server carries them (`Task.files`)."""
    filtered: set[str] = field(default_factory=set)
    """Chain ids a writer rejected or the rule filter decided on: a later run of either (refill.py) takes only new
    chains."""

    def reject(self, cid: str, stage: str, reasons: list[str], candidate: BaseModel | dict[str, Any] | None = None
               ) -> None:
        data = candidate.model_dump(mode="json") if isinstance(candidate, BaseModel) else (candidate or {})
        self.rejected.append(Rejection(id=cid, stage=stage, reasons=reasons, candidate=data))

    def entry(self, server: str, tool: str) -> ToolEntry | None:
        """The selected tool as synthesis sees it (documented choices and parameters learnt as required included),
        else the catalog's."""
        for e in self.entries:
            if e.server == server and e.name == tool:
                return e
        return self.live.catalog.find(server, tool)


def default_steps(options: SynthOptions, *, curated: bool = False) -> list[StepRef]:
    """The standard pipeline; with a writer model the LLM graph source and scoring filter join in."""
    llm = options.writer is not None
    if options.planner is not None and not curated:
        return [StepRef("sample", "planner")]
    if curated:
        return [StepRef("ground", "live"), StepRef("filter", "rules")] + ([StepRef("filter", "llm")] if llm else [])
    steps = [StepRef("graph", "schema"), StepRef("graph", "probe")]
    steps += [StepRef("graph", "llm")] if llm else []
    steps += [StepRef("sample", "walk")]
    steps += [StepRef("sample", "seed"), StepRef("sample", "act"), StepRef("sample", "world-calc"),
              StepRef("sample", "world-sums")] if options.seed_world else []
    writer = StepRef("write", "llm" if llm else "templates")
    steps += [StepRef("ground", "live"), StepRef("ground", "lone"), writer,
              StepRef("ground", "lone", (("after_write", True),)), writer]
    steps += [StepRef("sample", "carry")] if options.seed_world and len(options.servers) > 1 else []
    steps += [StepRef("sample", "compound")] if len(options.servers) > 1 else []
    steps += [StepRef("filter", "rules")]
    steps += [StepRef("filter", "llm")] if llm else []
    steps += [StepRef("sample", "refill", (("writer", "llm"), ("scored", True)) if llm else ())]
    return steps


def select_entries(catalog: Catalog, servers: list[str], exclude: list[str]) -> list[ToolEntry]:
    """The catalog's usable tools of `servers` minus excluded patterns, in a stable order; allowed values a
    parameter documents only in words become its enum (documented.with_documented_choices), ranges it gives in words
    its bounds (documented.with_documented_ranges), item schemas written as `$ref`s are inlined
    (shapes.with_inlined_refs), open object items get the fields their array's description lists
    (documented.with_documented_items), of optional parameters the description says one must be given, one is
    required (required.with_described_alternatives), and a numeric parameter whose line in the tool's description
    names its unit or quantity is described by that line (measures.with_documented_measures), as is a string
    parameter whose line says it is an expression in a variable (documented.with_documented_expressions)."""
    out = [prepared(e) for e in catalog.entries(servers)
           if not any(fnmatch.fnmatchcase(f"{e.server}/{e.name}", pat) for pat in exclude)]
    return sorted(out, key=lambda e: (servers.index(e.server) if e.server in servers else len(servers), e.name))


def prepared(e: ToolEntry) -> ToolEntry:
    """The entry with what its words document made part of its schema (select_entries)."""
    from task_synth.documented import (
        with_documented_choices,
        with_documented_expressions,
        with_documented_items,
        with_documented_ranges,
    )
    from task_synth.measures import with_documented_measures
    from task_synth.required import with_described_alternatives
    from task_synth.shapes import with_inlined_refs

    return with_documented_measures(with_described_alternatives(with_documented_items(with_documented_ranges(
        with_documented_choices(with_documented_expressions(with_inlined_refs(e)))))))


def _jsonl(path: Path, items: list[BaseModel]) -> None:
    path.write_text("".join(json.dumps(i.model_dump(mode="json"), sort_keys=True, ensure_ascii=False) + "\n"
                            for i in items), encoding="utf-8")


def write_artifacts(state: SynthState, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    (work / "graph.json").write_text(json.dumps(state.graph.model_dump(mode="json"), sort_keys=True, indent=1,
                                                ensure_ascii=False) + "\n", encoding="utf-8")
    _jsonl(work / "chains.jsonl", list(state.chains))
    _jsonl(work / "grounded.jsonl", list(state.grounded))
    _jsonl(work / "tasks.jsonl", list(state.tasks))
    _jsonl(work / "rejected.jsonl", list(state.rejected))


async def run_steps(state: SynthState, steps: list[StepRef], work: Path | None = None) -> SynthState:
    """Run the steps in order, writing the artifacts after each. Raises TimeoutError when a step overruns
    `stage_timeout_s`, KeyError for an unknown step."""
    built = [(ref, ref.build()) for ref in steps]
    for ref, st in built:
        with anyio.fail_after(state.options.stage_timeout_s):
            await st.run(state)
        state.notes.append(f"{ref.label()}: {len(state.chains)} chains, {len(state.grounded)} grounded, "
                           f"{len(state.tasks)} tasks, {len(state.rejected)} rejected")
        if work is not None:
            write_artifacts(state, work)
    return state


def generator_label(options: SynthOptions, *, curated: bool = False) -> str:
    if curated:
        return f"task_synth {VERSION} curated plan"
    if options.planner:
        return f"task_synth {VERSION} planner={options.planner}"
    return f"task_synth {VERSION} " + (f"writer={options.writer}" if options.writer else "templates")


__all__ = [
    "DEFAULT_EXCLUDE",
    "VERSION",
    "EpisodeCalls",
    "LiveTools",
    "SynthOptions",
    "SynthState",
    "declared_exclusions",
    "default_steps",
    "generator_label",
    "run_steps",
    "select_entries",
    "write_artifacts",
]
