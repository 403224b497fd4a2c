"""What `mcpbench check` observes about a server, the registry of checks that judge it, and the report it writes.

A check run has two halves: *observing* (live: connect, list, call — protocol.py, robustness.py, rawstdio.py) fills an
`Observations`; *judging* (pure functions registered with `@check`) turns it into one `CheckResult` per check id. Judges
never touch a live session, so every verdict can be recomputed from a saved `Observations`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

from mcpbench._registry import Registry
from mcpbench.catalog import ToolEntry

Category = Literal["protocol", "schemas", "robustness", "security", "usability"]
Status = Literal["pass", "warn", "fail", "skip", "info"]
"""pass · warn (a real problem some clients survive) · fail (breaks clients or models) · skip (could not be judged
here) · info (a measurement, never a problem)."""
Severity = Literal["error", "warn", "info"]
"""The worst a check can report: error → fail, warn → warn, info → info."""
FailOn = Literal["warn", "error"]

CATEGORIES: tuple[Category, ...] = ("protocol", "schemas", "robustness", "security", "usability")
_CAP = {"error": "fail", "warn": "warn", "info": "info"}


# ---- observations -------------------------------------------------------------------------------------------------
class Handshake(BaseModel):
    """One connection attempt in one negotiation mode."""

    mode: str
    """'auto' (server/discover, falling back to initialize) or 'legacy' (initialize only)."""
    ok: bool = False
    protocol_version: str | None = None
    server_name: str | None = None
    server_version: str | None = None
    capabilities: dict[str, Any] = Field(default_factory=dict)
    """The server's capabilities as advertised (wire names)."""
    instructions: str | None = None
    error: str | None = None
    seconds: float = 0.0
    """Wall time of spawn + handshake."""


class Ping(BaseModel):
    attempted: bool = False
    ok: bool = False
    error: str | None = None


class Listing(BaseModel):
    """One paginated list walk (tools, resources, resource templates or prompts)."""

    kind: Literal["tools", "resources", "resource_templates", "prompts"]
    advertised: bool = False
    """The server advertised the matching capability."""
    attempted: bool = False
    pages: int = 0
    items: int = 0
    error: str | None = None
    loop_cursor: str | None = None
    """A cursor the server handed out twice: following cursors would never end."""
    page_cap_hit: bool = False


CallCase = Literal["valid", "invalid", "unknown", "recovery"]
CallResult = Literal["ok", "error_result", "protocol_error", "timeout", "crash", "output_schema_violation",
                     "bad_result"]


class CallRecord(BaseModel):
    """One tools/call made by the checker and what came back."""

    tool: str
    case: CallCase
    """valid: schema-valid generated arguments · invalid: arguments that break the schema · unknown: a tool that does
    not exist · recovery: a probe after a timeout to see whether the session still answers."""
    variant: str = ""
    """Which argument set (e.g. 'required', 'all', 'missing-required', 'wrong-type:x')."""
    arguments: dict[str, Any] = Field(default_factory=dict)
    result: CallResult
    latency_s: float = 0.0
    bytes: int = 0
    """Size of the rendered result text."""
    text_head: str = ""
    """The first characters of the result text (or error message)."""
    structured: bool = False
    """The result carried structuredContent."""
    error: str | None = None


class StdoutScan(BaseModel):
    """Every line the server wrote on stdout, parsed as JSON-RPC by our own reader."""

    checked: bool = False
    skipped_reason: str | None = None
    lines: int = 0
    bad_lines: int = 0
    samples: list[str] = Field(default_factory=list)
    """A few offending lines, shortened."""
    error: str | None = None


class StderrScan(BaseModel):
    captured: bool = False
    bytes: int = 0
    lines: int = 0
    longest_line: int = 0
    tail: str = ""


class StateProbe(BaseModel):
    """One tool declaring readOnlyHint, called twice more with arguments it accepted, between snapshots of every
    stable reader (a read-only tool whose output did not change between two calls in a row)."""

    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    readers: list[str] = Field(default_factory=list)
    """The stable readers whose outputs were compared."""
    changed: list[str] = Field(default_factory=list)
    """Readers whose output differed after the call: the tool changed state."""
    volatile: list[str] = Field(default_factory=list)
    """Readers that differed after the call but also changed on their own in a control interval without it (clocks,
    timestamps): not evidence, dropped from `changed` (and from later probes' readers)."""
    first: str = ""
    """'ok' or 'error' (isError, or a JSON-RPC error) — the first of the two calls."""
    retry: str = ""
    """The same call again: a read-only tool answers it as it answered the first."""
    retry_text: str = ""
    """The head of the retry's result when it failed."""
    error: str | None = None
    """Why the probe could not finish (timeout, crash)."""


class Observations(BaseModel):
    """Everything the live half of a check saw. Judges read only this."""

    target: str
    """How the server was reached (command line or URL)."""
    transport: str
    legacy: Handshake = Field(default_factory=lambda: Handshake(mode="legacy"))
    auto: Handshake = Field(default_factory=lambda: Handshake(mode="auto"))
    ping: Ping = Field(default_factory=Ping)
    listings: list[Listing] = Field(default_factory=list)
    tools: list[ToolEntry] = Field(default_factory=list)
    """Every tool listed (across all pages, duplicates kept), hashed."""
    calls: list[CallRecord] = Field(default_factory=list)
    skipped_tools: dict[str, str] = Field(default_factory=dict)
    """Tools the robustness pass did not call, with the reason (destructive, no usable schema...)."""
    stdout: StdoutScan = Field(default_factory=StdoutScan)
    stdout_garbage_in_session: int = 0
    """Unparseable stdout lines the SDK session met during the calls."""
    stderr: StderrScan = Field(default_factory=StderrScan)
    call_timeout_s: float = 10.0
    allow_destructive: bool = False
    probes: list[StateProbe] = Field(default_factory=list)
    """Annotation probes (`mcpbench.check.behaviour`): tools declaring readOnlyHint called again between two
    snapshots of the server's readable state."""
    tool_vectors: dict[str, list[float]] = Field(default_factory=dict)
    """Unit embedding per tool name (name, description, parameter names) when `--embeddings` was asked
    (mcpbench.embeddings); schemas.confusable_tools adds their cosine similarity as a signal."""
    probes_skipped: str | None = None
    """Why no annotation probe ran (no read-only tool, no stable reader, a remote server...)."""

    def listing(self, kind: str) -> Listing | None:
        return next((x for x in self.listings if x.kind == kind), None)


# ---- results --------------------------------------------------------------------------------------------------------
class CheckInfo(BaseModel):
    """A registered check: what docs/check.md lists."""

    model_config = {"frozen": True}

    id: str
    category: Category
    severity: Severity
    title: str
    why: str
    """Why it matters, one or two sentences."""
    hint: str
    """What to do about a failure."""


class CheckResult(BaseModel):
    """The verdict of one check."""

    id: str
    category: Category
    status: Status
    summary: str
    """One line: why this status."""
    hint: str = ""
    """How to fix it (empty when it passed)."""
    details: list[str] = Field(default_factory=list)
    """One line per affected tool or event."""
    data: dict[str, Any] = Field(default_factory=dict)
    """Structured measurements for scripts and baselines (e.g. {"score": 72} for schemas.description_quality)."""


class ToolReport(BaseModel):
    name: str
    sha256: str
    """Hash of the canonical definition, for pinning (mcpbench.catalog.tool_sha256)."""
    calls: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    max_bytes: int = 0
    skipped: str | None = None


class CheckReport(BaseModel):
    """What `mcpbench check` writes (--json)."""

    target: str
    transport: str
    server_name: str | None = None
    server_version: str | None = None
    protocol_versions: dict[str, str | None] = Field(default_factory=dict)
    """Negotiated version per mode ('auto', 'legacy')."""
    results: list[CheckResult]
    tools: list[ToolReport] = Field(default_factory=list)
    seconds: float = 0.0
    baseline: dict[str, Any] | None = None
    """With `--baseline`: {"path", "regressions": [{id, what}], "improvements": [...]} (mcpbench.check.ci)."""

    def by_id(self, check_id: str) -> CheckResult:
        for r in self.results:
            if r.id == check_id:
                return r
        raise KeyError(check_id)

    def failing(self, fail_on: FailOn = "error") -> list[CheckResult]:
        """Results at or above the threshold: 'error' → fail only; 'warn' → fail and warn."""
        bad = {"fail"} if fail_on == "error" else {"fail", "warn"}
        return [r for r in self.results if r.status in bad]

    def problems(self) -> set[str]:
        """Ids of every check that warned or failed."""
        return {r.id for r in self.results if r.status in ("warn", "fail")}


# ---- the registry ---------------------------------------------------------------------------------------------------
@dataclass
class Verdict:
    """What a judge returns; the registry adds id, category and hint."""

    status: Status
    summary: str
    details: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


Judge = Callable[[Observations], Verdict]
REGISTRY: Registry[tuple[CheckInfo, Judge]] = Registry("check id")


def check(check_id: str, *, category: Category, severity: Severity, title: str, why: str,
          hint: str) -> Callable[[Judge], Judge]:
    """Register a judge under `check_id`. The verdict is capped at `severity` (a warn-level check never fails)."""
    info = CheckInfo(id=check_id, category=category, severity=severity, title=title, why=why, hint=hint)

    def deco(fn: Judge) -> Judge:
        REGISTRY[check_id] = (info, fn)
        return fn

    return deco


def judge(obs: Observations, only: Callable[[CheckInfo], bool] | None = None) -> list[CheckResult]:
    """Run every registered judge (in registration order) over `obs`."""
    out: list[CheckResult] = []
    for info, fn in REGISTRY.values():
        if only is not None and not only(info):
            continue
        v = fn(obs)
        status = v.status
        if status == "fail" and info.severity != "error":
            status = _CAP[info.severity]  # type: ignore[assignment]
        if status == "warn" and info.severity == "info":
            status = "info"
        out.append(CheckResult(id=info.id, category=info.category, status=status, summary=v.summary,
                               hint=info.hint if status in ("warn", "fail") else "", details=v.details,
                               data=v.data))
    return out


def checks() -> list[CheckInfo]:
    """Every registered check, in report order."""
    return [info for info, _ in REGISTRY.values()]


__all__ = [
    "CATEGORIES",
    "REGISTRY",
    "CallCase",
    "CallRecord",
    "CallResult",
    "Category",
    "CheckInfo",
    "CheckReport",
    "CheckResult",
    "FailOn",
    "Handshake",
    "Judge",
    "Listing",
    "Observations",
    "Ping",
    "Severity",
    "StateProbe",
    "Status",
    "StderrScan",
    "StdoutScan",
    "ToolReport",
    "Verdict",
    "check",
    "checks",
    "judge",
]
