"""What each synthesis stage writes to the work dir.

graph.json, chains.jsonl, grounded.jsonl, tasks.jsonl, rejected.jsonl.

Also the curated plan format (`TaskPlan`): a chain written by hand or picked from sampled chains, with its wording and
answer-key *recipe*; the pipeline grounds it live and fills in every expected value, exactly as for sampled chains.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer, model_validator

from task_synth.task import CheckKind, StateRead, TaskFiles, checked_files, without_empty

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry

Evidence = Literal["schema", "probe", "llm"]


class ProbeRecord(BaseModel):
    """One safe live call made to learn what a tool returns."""

    arguments: dict[str, Any]
    outcome: str
    output: str = ""
    """Text output of the first probe (run-specific values written as placeholders)."""
    varying: bool = False
    """Two probes gave different outputs, or the output mentions today's date."""


class ToolNode(BaseModel):
    """A tool as the graph sees it."""

    server: str
    tool: str
    sha256: str
    description: str = ""
    params: dict[str, str | None] = Field(default_factory=dict)
    """Required parameter -> its kind (None: unknown, the tool cannot be filled)."""
    optional: list[str] = Field(default_factory=list)
    read_only: bool = False
    """Safe to call with generated arguments (annotations, else name and description)."""
    produces: dict[str, list[Evidence]] = Field(default_factory=dict)
    """Kind -> why we believe the tool's output contains values of it."""
    probe: ProbeRecord | None = None

    @property
    def key(self) -> str:
        return f"{self.server}/{self.tool}"

    @property
    def fillable(self) -> bool:
        return self.read_only and all(k is not None for k in self.params.values())


class Edge(BaseModel):
    """The output of `src` can feed parameter `param` of `dst`, directly or composed into a larger value."""

    model_config = ConfigDict(frozen=True)

    src: str
    """'server/tool'"""
    dst: str
    param: str
    kind: str
    """The kind of value carried (the source kind when composed)."""
    via: Literal["direct", "compose"] = "direct"
    evidence: list[Evidence] = Field(default_factory=list)
    note: str = ""

    @property
    def cross_server(self) -> bool:
        return self.src.split("/", 1)[0] != self.dst.split("/", 1)[0]


class HandleSource(BaseModel):
    """A tool whose output carries a handle (a session, a deck, a request id) that other tools of its server take as
    a required parameter (handles.py)."""

    server: str
    tool: str
    param: str
    """The consumers' parameter that takes the handle ('session_id')."""
    extract: str
    """Regex (binding.py syntax) reading the handle from this tool's output."""
    arguments: list[dict[str, Any]] = Field(default_factory=list)
    """Literal argument sets after which the output carried the handle (a walk draws one: which file to open)."""
    needs: dict[str, str] = Field(default_factory=dict)
    """This tool's own handle parameters -> the handle parameter they take (a producer that needs an opener)."""
    opener: bool = True
    """Called to open something (may change in-sandbox state; never a walk step on its own) rather than a read
    whose probe output happened to carry the handle."""

    @property
    def key(self) -> str:
        return f"{self.server}/{self.tool}"


class ToolGraph(BaseModel):
    """graph.json"""

    nodes: list[ToolNode] = Field(default_factory=list)
    edges: list[Edge] = Field(default_factory=list)
    pools: dict[str, list[Any]] = Field(default_factory=dict)
    """Kind -> literal values available for parameters (seeds, schema examples, probe discoveries)."""
    setups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Server -> a set-up call ({"tool", "arguments"}) its read tools need first, learnt from their probe errors
    (probe.py); every chain through that server starts with it."""
    handles: list[HandleSource] = Field(default_factory=list)
    """Tools whose outputs carry the handles other tools take (handles.py): the walk puts one before a tool that needs
    the handle and binds it."""
    local_pools: dict[str, dict[str, list[Any]]] = Field(default_factory=dict)
    """Server -> kind -> literal values that hold on that server only (the world's files it sees in its working
    directory); they come before the run-wide pools for that server's parameters."""

    learnt_required: dict[str, list[str]] = Field(default_factory=dict)
    """'server/tool' -> optional parameters its errors named as required ('name: <the error>'), filled from then on
    (required.py)."""

    def node(self, key: str) -> ToolNode | None:
        return next((n for n in self.nodes if n.key == key), None)

    def out_edges(self, key: str) -> list[Edge]:
        return [e for e in self.edges if e.src == key]

    def read_nodes(self, entries: list[ToolEntry]) -> Iterator[tuple[ToolNode, ToolEntry, dict[str, Any]]]:
        """Each read-only node with its tool's entry and input properties (nodes of no entry in ENTRIES left out)."""
        by_key = {f"{e.server}/{e.name}": e for e in entries}
        for node in self.nodes:
            entry = by_key.get(node.key)
            if entry is not None and node.read_only:
                yield node, entry, (entry.input_schema or {}).get("properties") or {}


class BindIntent(BaseModel):
    """A parameter to be bound to an earlier step's output; grounding turns it into a concrete binding."""

    param: str
    source: int
    kind: str
    template: str | None = None
    """'{}' placeholder template when the value is composed (e.g. 'SELECT COUNT(*) FROM {}')."""
    phrase: str = ""
    """Fuzzy wording of the composed value ('{ref}' stands for the bound value's phrase)."""


class ChainStep(BaseModel):
    server: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Literal arguments (bound ones are filled at grounding)."""
    binds: list[BindIntent] = Field(default_factory=list)
    bindings: dict[str, str] = Field(default_factory=dict)
    """Concrete bindings (binding.py syntax), for curated plans."""
    depends_on: list[int] = Field(default_factory=list)


class Chain(BaseModel):
    """chains.jsonl: a sampled (or curated) dependency chain, not yet executed."""

    id: str
    steps: list[ChainStep]
    seed: str = ""
    """The per-chain seed used for grounding choices."""
    files: TaskFiles = Field(default_factory=dict)
    """A curated plan's files (Task.files): every grounding episode of the chain starts with them."""

    @model_serializer(mode="wrap")
    def _without_no_files(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return without_empty(handler(self), "files")

    @property
    def servers(self) -> list[str]:
        return list(dict.fromkeys(s.server for s in self.steps))

    def signature(self) -> tuple[str, ...]:
        return tuple(f"{s.server}/{s.tool}" for s in self.steps)


class BoundRef(BaseModel):
    """How a bound argument was chosen at grounding (for the writers' wording)."""

    source: int
    kind: str
    ordinal: int = 0
    """Which of the source output's values of this kind was taken (0: the first listed)."""
    count: int = 1
    """How many distinct values of this kind the source output lists."""
    template: str | None = None
    phrase: str = ""
    label: str = ""
    """The name of the field the value was read from, as words ('row count'); '' when it has none."""


class GroundedStep(BaseModel):
    server: str
    tool: str
    arguments: dict[str, Any]
    """Arguments sent in the first grounding (bound values resolved, placeholders written back as ${VAR})."""
    bindings: dict[str, str] = Field(default_factory=dict)
    depends_on: list[int] = Field(default_factory=list)
    outputs: list[str] = Field(default_factory=list)
    """The text output of each grounding run (placeholders written back)."""
    raw: list[str] = Field(default_factory=list, exclude=True)
    """The outputs exactly as the servers sent them (what references and checks read); never written."""
    live_varying: bool = False
    fast_varying: bool = False
    """The two groundings (seconds apart) differed, or a step it consumes did: values read from it change within
    minutes (a clock reading), so no check may compare them to an answer written later."""
    refs: dict[str, BoundRef] = Field(default_factory=dict)
    """Param -> how its bound value was chosen (sampled chains only)."""


class Grounded(BaseModel):
    """grounded.jsonl: a chain executed live twice."""

    chain_id: str
    steps: list[GroundedStep]

    def raw_outputs(self, run: int = 0) -> list[str]:
        return [(s.raw or s.outputs)[run] for s in self.steps]

    @property
    def live_varying(self) -> bool:
        return any(s.live_varying for s in self.steps)


class ClaimSpec(BaseModel):
    step: int
    extract: str


class CheckSpec(BaseModel):
    """An answer-key check recipe: the expected value is read from a reference step's output at grounding time."""

    kind: CheckKind
    step: int | None = None
    """The reference step whose output holds the expected value (becomes Check.from_step)."""
    extract: str | None = None
    """Regex with one group reading the expected value from that output (becomes Check.extract)."""
    value: Any = None
    """A literal expected value for checks not read from an output (e.g. a regex pattern)."""
    claims: list[ClaimSpec] = Field(default_factory=list)
    """claims checks: each claim read from a step's output (claims are never live-varying)."""
    read: StateRead | None = None
    """state checks: the read call that shows the final state; `value` is what it must contain afterwards."""
    tolerance: float = 0.0
    relative: bool = False
    case_sensitive: bool = False
    description: str = ""


class Draft(BaseModel):
    """What a writer produces for one grounded chain."""

    precise: str
    fuzzy: str
    answer: str
    """The reference answer, with `{{step[i]:<regex>}}` placeholders for values read from outputs."""
    checks: list[CheckSpec]
    writer: str = "templates"
    tags: list[str] = Field(default_factory=list)


class TaskPlan(BaseModel):
    """A curated task: the chain, its wording and its answer-key recipe (YAML or JSONL, one plan per item)."""

    model_config = ConfigDict(extra="forbid")

    id: str
    fuzzy: str
    precise: str
    answer: str
    steps: list[ChainStep]
    checks: list[CheckSpec]
    tags: list[str] = Field(default_factory=list)
    files: TaskFiles = Field(default_factory=dict)
    """Server -> {relative POSIX path: text} written into that server's sandbox before it starts (Task.files)."""

    @model_validator(mode="after")
    def _files_within_limits(self) -> TaskPlan:
        checked_files(self.files, (s.server for s in self.steps))
        return self


class Rejection(BaseModel):
    """rejected.jsonl: a candidate that did not make it, and why."""

    id: str
    stage: str
    reasons: list[str]
    candidate: dict[str, Any] = Field(default_factory=dict)


__all__ = ["BindIntent", "BoundRef", "Chain", "ChainStep", "CheckSpec", "ClaimSpec", "Draft", "Edge", "Evidence",
           "Grounded", "GroundedStep", "HandleSource", "ProbeRecord", "Rejection", "TaskPlan", "ToolGraph", "ToolNode"]
