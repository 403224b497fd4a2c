"""Files synthesis puts in a sandbox for a server that works on the user's own files (`Task.files`).

A server that reads files by path ("document_path: Path to the Markdown file") and starts in an empty sandbox has
nothing to read, and no tool of its own makes a file: no chain can start, and the server gets no task. When such a
server is isolated per episode and runs in its sandbox (its working directory is `${EPISODE_DIR}`), synthesis gives
it a few of the world's documents as files — the memos, meeting notes and policies as Markdown, topic tables as CSV,
JSON or plain text — in the formats its tools' words name. Every episode of the server during synthesis has them
(`OfferingFleet`), so probes, walks and groundings read real files, and every task that uses the server carries them
(`Task.files`): the fleet writes them into the sandbox before the server starts, at validation and evaluation alike.

Nothing is offered to a server the config already gives files (`isolation.copy`), to one that is shared (it would
read the user's directory), to one that runs elsewhere than its sandbox (a relative name would not reach the files),
or when its tools name only formats that are not text (pdf, xlsx, docx).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from functools import cache
from typing import TYPE_CHECKING, Any

from mcpbench.world import SOURCE_DIR
from task_synth.kinds import param_kind
from task_synth.topics import world_topics

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.pipeline import LiveTools, SynthState
    from task_synth.task import Task

TEXT_FORMATS = ("md", "csv", "json", "txt")
"""What synthesis can write as a file (text); others a server names (pdf, xlsx) are not offered."""
_FORMAT_WORDS = re.compile(r"\b(markdown|md|csv|json|txt|text files?|plain text|pdf|xlsx|xls|docx|pptx|html|xml|yaml|"
                           r"parquet|sqlite)\b", re.IGNORECASE)
TOPIC_FILES = 3
"""Topic tables written per tabular format."""


def _format_of(word: str) -> str:
    w = word.lower()
    if w in ("markdown", "md"):
        return "md"
    if w.startswith(("text", "plain", "txt")):
        return "txt"
    return w


_FILES_OF_A_FORMAT = re.compile(r"\b(?:markdown|md|csv|json|text|txt)\s+(?:files?|documents?)\b", re.IGNORECASE)
_MAKES_FILES = re.compile(r"(?:create|new|write|make|add|touch|generate|upload|import)_?(?:\w+_)?(?:files?|documents?|"
                          r"docs?|notes?|pages?|sheets?|workbooks?|spreadsheets?|presentations?|decks?|markdown|csv)",
                          re.IGNORECASE)


_CREATES = re.compile(r"(?:create|new|make|init|initiali[sz]e|touch|write|generate)(?:_|$)", re.IGNORECASE)


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("-", "_")


def _path_params(e: ToolEntry) -> list[str]:
    schema = e.input_schema or {}
    props = schema.get("properties") or {}
    return [n for n in schema.get("required") or [] if param_kind(n, props.get(n) or {}) == "path"]


def makes_files(e: ToolEntry) -> bool:
    """The tool makes a file: named for it (`create_document`, `write_file`, `newNote`), or a creator that takes
    where to put what it makes (`create_book(path)`)."""
    name = _snake(e.name)
    return bool(_MAKES_FILES.fullmatch(name) or (_CREATES.match(name) and _path_params(e)))


def reads_files(entries: list[ToolEntry]) -> bool:
    """The server works on files it cannot make: a tool that reads requires a file by path (the `path` kind; a write
    that only refers to one, `attach_file`, is no sign), or its tools speak of files of a text format ("List all
    available markdown files"), and no tool is named for making a file or a document (`create_document`,
    `write_file`, `newNote`) or a creator that takes a path (`create_book(path)`): those make their own, through
    seeding."""
    from task_synth.graph import is_read_only

    if any(makes_files(e) for e in entries):
        return False
    if any(is_read_only(e) and _path_params(e) for e in entries):
        return True
    return any(_FILES_OF_A_FORMAT.search(e.description or "") for e in entries)


_TABULAR = re.compile(r"\b(?:columns?|rows?|datasets?|tables?|tabular|features?|records?|cells?)\b", re.IGNORECASE)
_PROSE = re.compile(r"\b(?:documents?|notes?|sections?|headings?|paragraphs?|pages?|words?|sentences?|chapters?|"
                    r"articles?|memos?)\b", re.IGNORECASE)


def formats(entries: list[ToolEntry]) -> list[str]:
    """The text formats the server's words name, in a fixed order; [] when they name formats and none of them is
    text. When they name no format at all, what they speak of decides: CSV and JSON for rows and columns only
    (a dataset profiler, given notes, only fails on them), Markdown for documents only, else Markdown and CSV."""
    text = " ".join(f"{e.description or ''} {json.dumps(e.input_schema or {})}" for e in entries)
    named = {_format_of(m.group(1)) for m in _FORMAT_WORDS.finditer(text)}
    if not named:
        words = " ".join(f"{_snake(e.name).replace('_', ' ')} {e.description or ''}" for e in entries)
        tabular, prose = bool(_TABULAR.search(words)), bool(_PROSE.search(words))
        return ["csv", "json"] if tabular and not prose else ["md"] if prose and not tabular else ["md", "csv"]
    return [f for f in TEXT_FORMATS if f in named]


@cache
def _documents() -> tuple[tuple[str, str], ...]:
    """The world's documents as (file name, Markdown text), the index page aside. Side by side in the sandbox, not
    in the world's folders: a server that indexes a folder may look at its top level only."""
    root = SOURCE_DIR / "docs"
    return tuple((p.name, p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.md")) if p.name != "README.md")


def _table(fmt: str, columns: list[str], rows: list[list[Any]], title: str) -> str:
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(columns)
        w.writerows(rows)
        return buf.getvalue()
    if fmt == "json":
        return json.dumps([dict(zip(columns, r, strict=True)) for r in rows], indent=2, ensure_ascii=False) + "\n"
    lines = [f"{title[0].upper()}{title[1:]}:", ""]
    lines += ["; ".join(f"{c}: {v}" for c, v in zip(columns, r, strict=True)) for r in rows]
    return "\n".join(lines) + "\n"


def world_files(fmts: list[str]) -> dict[str, str]:
    """The world's material as files of the formats asked: relative POSIX path -> text (deterministic)."""
    out: dict[str, str] = {}
    for fmt in fmts:
        if fmt == "md":
            out.update(_documents())
        else:
            for t in world_topics()[:TOPIC_FILES]:
                out[f"{t.key}.{fmt}"] = _table(fmt, t.columns, t.rows, t.title)
    return out


def offered_files(state: SynthState) -> dict[str, dict[str, str]]:
    """Server -> the files synthesis gives it (see the module's words for which servers get any)."""
    from task_synth.seeding import isolated_servers

    specs = getattr(state.live, "specs", None) or {}
    out: dict[str, dict[str, str]] = {}
    for server in isolated_servers(state):
        spec = specs.get(server)
        cwd = str(getattr(spec, "cwd", None) or "").rstrip("/")
        if cwd != "${EPISODE_DIR}" or getattr(getattr(spec, "isolation", None), "copy_", None):
            continue
        entries = [e for e in state.entries if e.server == server]
        if reads_files(entries) and (fmts := formats(entries)):
            out[server] = world_files(fmts)
    return out


def with_offered(task: Task, offered: Mapping[str, Mapping[str, str]]) -> Task:
    """The task carrying the files given to the servers it uses."""
    files = {s: dict(offered[s]) for s in task.servers if s in offered}
    return task.model_copy(update={"files": files}) if files else task


class OfferingFleet:
    """The live fleet as synthesis sees it when some servers are given files: every episode writes them into those
    servers' sandboxes; everything else is the fleet's own."""

    def __init__(self, inner: LiveTools, files: Mapping[str, Mapping[str, str]]):
        self._inner = inner
        self.files = {s: dict(f) for s, f in files.items()}
        self.catalog = inner.catalog
        self.builtins: dict[str, str] = inner.builtins

    def episode(self, episode_id: str | None = None, servers: list[str] | None = None,
                call_timeout_s: float | None = None, files: Mapping[str, Mapping[str, str]] | None = None
                ) -> AbstractAsyncContextManager[Any]:
        return self._episode(episode_id, servers, call_timeout_s, files)

    @asynccontextmanager
    async def _episode(self, episode_id: str | None, servers: list[str] | None, call_timeout_s: float | None,
                       files: Mapping[str, Mapping[str, str]] | None) -> AsyncIterator[Any]:
        given = {s: f for s, f in self.files.items() if servers is None or s in servers}
        merged = {**given, **{s: {**given.get(s, {}), **f} for s, f in (files or {}).items()}}
        async with self._inner.episode(episode_id, servers=servers, call_timeout_s=call_timeout_s,
                                       files=merged or None) as ep:
            yield ep

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


__all__ = ["TEXT_FORMATS", "OfferingFleet", "formats", "offered_files", "reads_files", "with_offered", "world_files"]
