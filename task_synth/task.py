"""Task and Suite: what an agent is asked, how its answer is checked, and the reference chain that grounds it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

CheckKind = Literal["exact", "numeric", "contains", "regex", "claims", "state"]


class CallValue(BaseModel):
    """A final-state read's argument taken from the agent's own calls: the value `extract` reads from the output of
    the agent's last successful call of `tool` (on the read's server) where it finds one."""

    model_config = ConfigDict(frozen=True)

    tool: str
    extract: str
    """A regex (its first group) or a `$.json.path`, as in bindings (binding.py)."""


class StateRead(BaseModel):
    """A read call that shows a piece of final state (MCPMark's `verify`): made on the agent's own instance after
    the episode, never shown to the agent."""

    model_config = ConfigDict(frozen=True)

    server: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Literal arguments (`${VAR}` placeholders allowed)."""
    from_calls: dict[str, CallValue] = Field(default_factory=dict)
    """Arguments only the agent's own episode knows (the id its write returned, drawn anew in every episode):
    parameter -> where the agent's calls show it. Never an earlier *reference* output: the read must show what
    the agent made."""

    @model_serializer(mode="wrap")
    def _without_empty(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a read with literal arguments only is written as before (suites keep their bytes and hashes)
        out: dict[str, Any] = handler(self)
        if not out.get("from_calls"):
            out.pop("from_calls", None)
        return out


def state_key(check_index: int) -> int:
    """Where the output of check `check_index`'s final-state read is kept among an episode's live outputs
    (reference steps use 0, 1, ...; final-state reads use -1, -2, ...)."""
    return -(check_index + 1)


class Check(BaseModel):
    """One answer-key check evaluated on the agent's final answer (see docs/metrics.md)."""

    model_config = ConfigDict(frozen=True)

    kind: CheckKind
    value: Any
    """exact/contains/regex: a string; numeric: a number; claims: a list of strings, each must be contained."""
    tolerance: float = 0.0
    """numeric only: absolute tolerance."""
    relative: bool = False
    """numeric only: tolerance is relative to |value|."""
    case_sensitive: bool = False
    from_step: int | None = None
    """When set, the expected value is re-derived from this reference step's live output at evaluation time
    (live-varying tasks); `value` holds the value seen at synthesis time."""
    extract: str | None = None
    """With from_step: a regex with one group that extracts the expected value from that step's output."""
    read: StateRead | None = None
    """state only: the read call whose output, on the agent's instance after the episode, must contain `value`."""
    description: str = ""


class ReferenceStep(BaseModel):
    """One call of the reference chain, with what it returned when the task was grounded."""

    model_config = ConfigDict(frozen=True)

    server: str
    tool: str
    arguments: dict[str, Any]
    bindings: dict[str, str] = Field(default_factory=dict)
    """argument name -> 'step[i]:<regex or json path>' when the argument comes from an earlier step's output."""
    output: str = ""
    """Text output seen at grounding time."""
    live_varying: bool = False
    """True when two groundings gave different outputs (time, randomness)."""
    depends_on: list[int] = Field(default_factory=list)
    """Indices of earlier steps whose outputs this step consumes."""


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True)

    generator: str = "handwritten"
    """e.g. 'task_synth 0.1 templates' or 'task_synth 0.1 writer=openai/gpt-4o'."""
    seed: int | None = None
    tool_sha256: dict[str, str] = Field(default_factory=dict)
    """'server/tool' -> sha256 of the canonical tool definition the task depends on."""


class Task(BaseModel):
    """One benchmark task."""

    model_config = ConfigDict(frozen=True)

    id: str
    servers: list[str]
    precise: str
    """The precise task statement (given to judges)."""
    fuzzy: str
    """The conversational request given to the agent: no tool or server names, no step list."""
    checks: list[Check]
    reference: list[ReferenceStep]
    answer: str = ""
    """A reference final answer (what the oracle says)."""
    tags: list[str] = Field(default_factory=list)
    """e.g. single-server / multi-server, hops-3, live-varying."""
    provenance: Provenance = Field(default_factory=Provenance)

    @property
    def hops(self) -> int:
        return len(self.reference)

    @property
    def live_varying(self) -> bool:
        return any(s.live_varying for s in self.reference)

    @property
    def state_checks(self) -> list[tuple[int, Check]]:
        """(index, check) of every final-state check."""
        return [(i, c) for i, c in enumerate(self.checks) if c.kind == "state" and c.read is not None]


class Suite(BaseModel):
    """A versioned set of tasks; its hash is over the canonical JSON of every task."""

    name: str
    version: str = "1"
    tasks: list[Task]

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        for t in self.tasks:
            h.update(json.dumps(t.model_dump(mode="json"), sort_keys=True, separators=(",", ":")).encode())
            h.update(b"\n")
        return h.hexdigest()

    @classmethod
    def load(cls, path: str | Path) -> Suite:
        """Read a JSONL suite: an optional first line {"suite": name, "version": v}, then one task per line.

        Raises ValueError naming the file and line of the first bad record.
        """
        p = Path(path)
        name, version, tasks = p.stem, "1", []
        for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if "suite" in obj and "id" not in obj:
                    name, version = obj["suite"], str(obj.get("version", "1"))
                    continue
                tasks.append(Task.model_validate(obj))
            except Exception as e:
                raise ValueError(f"{p}:{i}: {e}") from e
        return cls(name=name, version=version, tasks=tasks)

    def dump(self, path: str | Path) -> None:
        lines = [json.dumps({"suite": self.name, "version": self.version}, sort_keys=True)]
        lines += [json.dumps(t.model_dump(mode="json"), sort_keys=True, ensure_ascii=False) for t in self.tasks]
        Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


SUITES_DIR = Path(__file__).parent / "suites"


def suite_path(name_or_path: str | Path) -> Path:
    """'smoke' / 'core' -> the shipped suite file; anything else is a path. Raises FileNotFoundError."""
    p = Path(name_or_path)
    if p.suffix != ".jsonl" and "/" not in str(name_or_path) and (SUITES_DIR / f"{name_or_path}.jsonl").exists():
        return SUITES_DIR / f"{name_or_path}.jsonl"
    if not p.exists():
        shipped = ", ".join(sorted(x.stem for x in SUITES_DIR.glob("*.jsonl"))) or "none"
        raise FileNotFoundError(f"no suite '{name_or_path}' (shipped suites: {shipped}; or give a .jsonl path)")
    return p


__all__ = ["SUITES_DIR", "CallValue", "Check", "CheckKind", "Provenance", "ReferenceStep", "StateRead", "Suite", "Task",
           "state_key", "suite_path"]
