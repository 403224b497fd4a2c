"""Task and Suite: what an agent is asked, how its answer is checked, and the reference chain that grounds it."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    model_serializer,
    model_validator,
)

CheckKind = Literal["exact", "numeric", "contains", "regex", "claims", "state"]

FILE_PATH_CHARS = 200
"""Longest relative path of a task's file."""
FILES_PER_SERVER = 32
FILE_BYTES = 256 * 1024
"""Largest file a task gives a server (UTF-8 bytes)."""
TASK_FILE_BYTES = 1024 * 1024
"""All of a task's files together (UTF-8 bytes)."""

TaskFiles = dict[str, dict[str, str]]
"""Server -> {relative POSIX path: UTF-8 text}: what a server's sandbox holds before it starts (the initial state)."""

_DRIVE = re.compile(r"^[A-Za-z]:")


def file_path_problem(path: str) -> str | None:
    """Why `path` cannot name a file inside a server's sandbox, or None when it can."""
    if not path:
        return "is empty"
    if len(path) > FILE_PATH_CHARS:
        return f"is longer than {FILE_PATH_CHARS} characters"
    if path.startswith("/") or _DRIVE.match(path):
        return "is absolute (a path relative to the server's sandbox is wanted)"
    if "\\" in path or "\0" in path:
        return "holds a backslash or NUL (a POSIX path is wanted)"
    parts = path.split("/")
    if "" in parts:
        return "has an empty segment"
    if any(p in (".", "..") for p in parts):
        return "has a '.' or '..' segment"
    return None


def files_problems(files: Mapping[str, Mapping[str, str]]) -> list[str]:
    """What is wrong with a task's files (paths, counts, sizes), each naming the server and the path."""
    problems: list[str] = []
    total = 0
    for server, given in files.items():
        if len(given) > FILES_PER_SERVER:
            problems.append(f"server '{server}' is given {len(given)} files, more than {FILES_PER_SERVER}")
        for path, text in given.items():
            why = file_path_problem(path)
            if why:
                problems.append(f"server '{server}': file path {path[:FILE_PATH_CHARS]!r} {why}")
            size = len(text.encode("utf-8"))
            total += size
            if size > FILE_BYTES:
                problems.append(f"server '{server}': file {path[:FILE_PATH_CHARS]!r} is {size} bytes, "
                                f"more than {FILE_BYTES}")
    if total > TASK_FILE_BYTES:
        problems.append(f"the task's files are {total} bytes together, more than {TASK_FILE_BYTES}")
    return problems


def checked_files(files: TaskFiles, servers: Iterable[str]) -> TaskFiles:
    """`files` when every path, count and size is within the limits and every server is one of `servers`.

    Raises ValueError listing every problem."""
    known = set(servers)
    problems = files_problems(files)
    problems += [f"files are given to server '{s}', which is not among the task's servers" for s in files
                 if s not in known]
    if problems:
        raise ValueError("; ".join(problems))
    return files


def without_empty(out: dict[str, Any], *keys: str) -> dict[str, Any]:
    """A model's dump without those KEYS whose value is empty: a field added later is written only when it holds
    something, so files made before it keep their bytes and hashes."""
    for k in keys:
        if not out.get(k):
            out.pop(k, None)
    return out


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
        return without_empty(handler(self), "from_calls")


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
    files: TaskFiles = Field(default_factory=dict)
    """Server -> {relative POSIX path: text}: files written into that server's per-episode sandbox before it starts
    (a document an editor opens, a folder of notes). Isolated servers only; written only when there are some."""

    @model_validator(mode="after")
    def _files_within_limits(self) -> Task:
        checked_files(self.files, self.servers)
        return self

    @model_serializer(mode="wrap")
    def _without_no_files(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        # a task without files is written as before (suites keep their bytes and hashes)
        return without_empty(handler(self), "files")

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


__all__ = ["FILES_PER_SERVER", "FILE_BYTES", "FILE_PATH_CHARS", "SUITES_DIR", "TASK_FILE_BYTES", "CallValue", "Check",
           "CheckKind", "Provenance", "ReferenceStep", "StateRead", "Suite", "Task", "TaskFiles", "checked_files",
           "file_path_problem", "files_problems", "state_key", "suite_path", "without_empty"]
