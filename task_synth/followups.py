"""Changes of an item's state after a write: "keep these, then mark that task as done".

Many stores number what a write makes and have a tool that changes the item's state through that number and a
choice (`set_status(entry_id, status)` "Mark a task/question as 'done' or 'dropped'", `set_priority(id, level)`).
Such a tool takes no content, so seeding never writes with it; here it becomes a follow-up of a seeded write: the
write makes the item (as the kind of item the follow-up's description names, when the write takes a kind: a
'task'), the follow-up changes it through the number the write answered, and a read that shows the new choice (and
did not before the change) is the final-state check. Nothing here names a server or tool.
"""

from __future__ import annotations

import re
from typing import Any

from mcpbench.catalog import ToolEntry
from task_synth.fill import role, writes_content
from task_synth.graph import REMOVES, is_read_only
from task_synth.wording import humanize


def _required(entry: ToolEntry) -> list[str]:
    return [str(p) for p in (entry.input_schema or {}).get("required") or []]


def _props(entry: ToolEntry) -> dict[str, Any]:
    return (entry.input_schema or {}).get("properties") or {}


def status_changes(tools: list[ToolEntry], write: ToolEntry) -> list[tuple[ToolEntry, str, str]]:
    """(tool, id parameter, choice parameter) of the TOOLS, other than WRITE, that change an item's state: a write
    (not read-only, no content, no removal verb) whose required parameters are exactly one item id (fill.role 'id')
    and one enum (a documented choice counts: documented.with_documented_choices). By name."""
    out = []
    for t in sorted(tools, key=lambda e: e.name):
        if t.name == write.name or is_read_only(t) or writes_content(t.input_schema) or REMOVES.search(t.name):
            continue
        req, props = _required(t), _props(t)
        ids = [p for p in req if role(p, props.get(p) or {}) == "id"]
        enums = [p for p in req if isinstance(props.get(p), dict) and props[p].get("enum")]
        if len(req) == 2 and len(ids) == 1 and len(enums) == 1:
            out.append((t, ids[0], enums[0]))
    return out


def _word(value: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", text, re.IGNORECASE) is not None


def kind_for(write: ToolEntry, change: ToolEntry) -> dict[str, str]:
    """The write's choice ({param: value}) that the change's description names as what it acts on ("Mark a
    task/question as …" -> a write's `type` 'task'); {} when the write takes no choice the description names."""
    desc = change.description or ""
    for p in _required(write):
        ps = _props(write).get(p) or {}
        for v in ps.get("enum") or []:
            if isinstance(v, str) and _word(v, desc) and not re.search(rf"['\"`]{re.escape(v)}['\"`]", desc):
                return {p: v}
    return {}


def new_choice(change: ToolEntry, param: str) -> str | None:
    """The first choice of the change's choice parameter that is not its default (what the item becomes)."""
    ps = _props(change).get(param) or {}
    return next((str(v) for v in ps.get("enum") or [] if v != ps.get("default")), None)


def change_phrase(change: ToolEntry, param: str, value: str) -> str:
    """How a person asks for the change: the description's verb when it reads '<verb> a … as …' ("Mark a task as
    'done'" -> 'mark it as done'), else 'set its <param> to <value>'."""
    m = re.match(r"\s*([A-Za-z]+)\b[^.]*?\bas\b", change.description or "")
    if m and not is_read_only(ToolEntry(server="", name=m.group(1), description=m.group(1))):
        return f"{m.group(1).lower()} it as {value}"
    return f"set its {humanize(param).lower()} to {value}"


def shows_change(value: str, after: str, before: str) -> bool:
    """The read after the change shows the new choice as a word, and did not before it."""
    return _word(value, after) and not _word(value, before)


__all__ = ["change_phrase", "kind_for", "new_choice", "shows_change", "status_changes"]
