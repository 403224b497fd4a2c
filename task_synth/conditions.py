"""Condition parameters: a filter a tool applies (a WHERE clause, a query expression), built from the server's data.

A tool that filters — "Filter rows using a SQL WHERE-style expression", `where: condition on the records`, `filter:
{field: value}` — takes a condition no kind can seed: arithmetic is not one, and a made-up column fails or, worse,
passes silently (`12 * 7` is true for every row). So a condition is built from what the server itself shows:

1. **Which parameters.** A string (or object) parameter named like a filter (`filter`, `where`, `condition`,
   `predicate`, `criteria`, `expression`, `query`…) whose own description, its line in the tool's description, or —
   for a name that says filter or condition — the tool's first sentence speaks of a filter, a condition, a WHERE
   clause or a predicate. Its kind is `condition` (graph.build_node).
2. **Columns and values from a sample read.** Before probing, a read-only tool of the same server that needs no
   argument the filtering tool does not also take (a preview, a sample, a listing of the same sheet or collection) is
   called with the same literal arguments; its records (a JSON list of objects, a markdown table, CSV lines) give the
   fields and the values present in the data.
3. **Conditions a person would ask for.** For a text field whose values repeat (not an identifier, not a date), its
   most frequent value, the world's names first: `customer_country = 'Portugal'`; for a numeric field, more than its
   median value present in the sample: `units > 10`. The syntax is the one the tool documents (`==` where its
   examples use it, SQL's `=` otherwise; an object `{field: value}` for an object parameter).
4. **Checked live.** Each condition is tried on the filtering tool in its own episode (a filter may change the
   session's data): it must succeed, and the candidates must not all give the same output (a filter that ignores its
   condition is not used). The kept conditions are the run-local kind `condition@server~tool`, and the tool's other
   arguments are pinned to the values they were built for (`q@server~tool`): the rows where the country is Portugal
   are asked of the sheet that has that column.

The request never recites the condition: it says what the person wants, "keeping only the rows where the customer
country is Portugal" (`words`). Nothing here names a server or a tool.
"""

from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from typing import TYPE_CHECKING, Any

from task_synth.binding import expand

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolNode
    from task_synth.pipeline import SynthState

CONDITION = "condition"
"""The kind of a condition parameter before its values are learnt (the run-local `condition@server~tool` after)."""
_NAME = re.compile(r"^(?:(?:sql_?|row_?|record_?|data_?)?(?:filter|filters|where|where_?clause|condition|conditions|"
                   r"predicate|criteria|criterion|expr|expression|filter_?expr(?:ession)?|query|query_?expression|"
                   r"selector))$", re.IGNORECASE)
_SAYS_FILTER = re.compile(r"\bWHERE\b|\bconditions?\b|\bfilter(?:s|ing)?\b|\bpredicate\b|\bcriteria\b|"
                          r"\bboolean expression\b", re.IGNORECASE)
_NAME_SAYS = re.compile(r"filter|where|condition|predicate|criteri", re.IGNORECASE)
_SAMPLE = re.compile(r"preview|sample|head|peek|rows|records|browse", re.IGNORECASE)
_LISTS = re.compile(r"entries|items|list|show|read|get|all|find|search|query", re.IGNORECASE)
MAX_CANDIDATES = 4
"""Conditions tried live per tool (each in an episode of its own)."""
SAMPLE_READS = 3
"""Sample reads tried per tool until one shows records."""


def _param_line(description: str, param: str) -> str:
    m = re.search(rf"(?m)^\s*[-*]?\s*`?{re.escape(param)}`?\s*(?:\([^)]*\))?\s*:(.*)$", description or "")
    return m.group(1) if m else ""


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s", " ".join((text or "").split()), maxsplit=1)[0]


def is_condition(entry: ToolEntry, param: str) -> bool:
    """PARAM of ENTRY is a condition the tool filters by (module docstring, 1)."""
    props = (entry.input_schema or {}).get("properties") or {}
    ps = props.get(param)
    if not isinstance(ps, dict) or "enum" in ps or not _NAME.match(param):
        return False
    types = ps.get("type")
    types = set(types) if isinstance(types, list) else {types}
    for alt in ps.get("anyOf") or []:
        if isinstance(alt, dict):
            types.add(alt.get("type"))
    if not types & {"string", "object", None}:
        return False
    own = f"{ps.get('description', '')} {ps.get('title', '')} {_param_line(entry.description, param)}"
    if _SAYS_FILTER.search(own):
        return True
    return bool(_NAME_SAYS.search(param)) and bool(_SAYS_FILTER.search(_first_sentence(entry.description)))


def condition_params(entry: ToolEntry) -> list[str]:
    """The tool's required condition parameters."""
    return [p for p in (entry.input_schema or {}).get("required") or [] if is_condition(entry, str(p))]


# ---- records a sample read shows


def _json(text: str) -> Any:
    from task_synth.listers import json_values

    return json_values(text)


def _markdown_table(text: str) -> list[dict[str, Any]]:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("|")]
    if len(lines) < 3 or not re.fullmatch(r"\|(?:\s*:?-{3,}:?\s*\|)+", lines[1].replace(" ", "")):
        return []
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    header = cells[0]
    return [dict(zip(header, [_scalar(c) for c in row], strict=True)) for row in cells[2:] if len(row) == len(header)]


def _csv(text: str) -> list[dict[str, Any]]:
    import csv
    import io

    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    if len(lines) < 3 or "," not in lines[0]:
        return []
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    header = rows[0]
    body = [r for r in rows[1:] if len(r) == len(header)]
    if len(body) < 2 or len(body) < (len(rows) - 1) // 2:
        return []
    return [dict(zip(header, [_scalar(c) for c in r], strict=True)) for r in body]


def _scalar(cell: str) -> Any:
    if re.fullmatch(r"-?\d+", cell):
        return int(cell)
    if re.fullmatch(r"-?\d+\.\d+", cell):
        return float(cell)
    return cell


def records(text: str) -> list[dict[str, Any]]:
    """The records an output shows: the longest JSON list of objects in it, a markdown table, or CSV lines; [] when
    it shows none."""
    from task_synth.listers import _lists

    data = _json(text)
    if data is not None:
        best: list[dict[str, Any]] = []
        for _, items in _lists(data):
            objs = [i for i in items if isinstance(i, dict)]
            if len(objs) == len(items) and len(objs) > len(best):
                best = objs
        return best
    return _markdown_table(text) or _csv(text)


# ---- conditions from records

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _words_first(values: list[str]) -> list[str]:
    from task_synth.listers import world_words

    words = world_words()
    return sorted(values, key=lambda v: v not in words)


def _text_value(v: Any) -> bool:
    return isinstance(v, str) and bool(v.strip()) and not re.search(r"\d", v) and len(v) <= 60


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def choices(rows: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    """(field, operator, value) a person would filter by, from the records (module docstring, 3): repeating text
    values first (the world's names before others), then a numeric field above its median."""
    if len(rows) < 2:
        return []
    fields = [f for f in rows[0] if isinstance(f, str) and _IDENT.fullmatch(f)]
    text: list[tuple[int, str, str, Any]] = []
    numeric: list[tuple[str, str, Any]] = []
    for f in fields:
        vals = [r.get(f) for r in rows if f in r]
        if len(vals) < 2:
            continue
        if all(_text_value(v) for v in vals):
            counts = Counter(vals)
            repeated = [str(v) for v, c in counts.items() if 2 <= c < len(vals)]
            if repeated:
                top = max(counts[v] for v in repeated)
                best = _words_first([v for v in repeated if counts[v] == top])[0]
                known = best in _world()
                text.append((0 if known else 1, f, "=", best))
        elif all(_number(v) for v in vals) and len(set(vals)) >= 3 and not re.search(r"(^|_)(id|index|no)$", f):
            nums = [float(v) for v in vals if v is not None]
            med = statistics.median_low(sorted(nums))
            if any(x > med for x in nums):
                numeric.append((f, ">", int(med) if med.is_integer() else med))
    ordered = [(f, op, v) for _, f, op, v in sorted(text, key=lambda t: t[0])]
    return ordered + numeric[:1]


def _world() -> frozenset[str]:
    from task_synth.listers import world_words

    return world_words()


def syntax(entry: ToolEntry, param: str) -> str:
    """'object' ({field: value}), 'python' (field == 'value') or 'sql' (field = 'value'), from the parameter's type
    and the examples the tool documents."""
    ps = ((entry.input_schema or {}).get("properties") or {}).get(param) or {}
    types = ps.get("type")
    if types == "object" or (isinstance(types, list) and "object" in types and "string" not in types):
        return "object"
    text = f"{entry.description} {ps.get('description', '')}"
    if re.search(r"\w\s*==\s*\S", text) and not re.search(r"\bSQL\b|\bWHERE\b", text):
        return "python"
    return "sql"


def render(field: str, op: str, value: Any, form: str) -> Any:
    """A condition in the tool's syntax."""
    if form == "object":
        return {field: value}
    lit = repr(value) if _number(value) else "'" + str(value).replace("'", "''") + "'"
    if form == "python":
        return f"{field} {'==' if op == '=' else op} {lit}"
    return f"{field} {op} {lit}"


_PARSE = re.compile(r"""^\s*[`"\[]?([A-Za-z_][\w ]*?)[`"\]]?\s*(==|=|!=|<>|>=|<=|>|<)\s*(.+?)\s*$""")
_OPS = {"=": "is", "==": "is", "!=": "is not", "<>": "is not", ">": "is more than", ">=": "is at least",
        "<": "is less than", "<=": "is at most"}
_NOUNS = re.compile(r"\b(rows|records|entries|items|documents|lines|results|objects)\b", re.IGNORECASE)


def words(value: Any, description: str = "") -> str | None:
    """A condition as a person says it: 'the rows where the customer country is Portugal' (the noun from the tool's
    description: rows, records, entries…); None when it is not one this module would build."""
    from task_synth.grammar import copula
    from task_synth.wording import humanize

    if isinstance(value, dict) and len(value) == 1:
        field, val = next(iter(value.items()))
        op = "="
    else:
        m = _PARSE.match(str(value))
        if m is None:
            return None
        field, op, val = m.group(1), m.group(2), m.group(3)
        val = val.strip()
        if len(val) >= 2 and val[0] == val[-1] and val[0] in "'\"":
            val = val[1:-1].replace("''", "'")
    nm = _NOUNS.search(description or "")
    noun = nm.group(1).lower() if nm else "entries"
    said = humanize(str(field))
    return f"the {noun} where the {said} {_OPS[op].replace('is', copula(said), 1)} {val}"


_MECHANISM = re.compile(r"\s+(?:using|with|by|via|matching|based on|according to|that match(?:es)?|where|on)\b.*$",
                        re.IGNORECASE)


def filtered_step(imperative: str, condition: str, others: list[str], place: str = "") -> str:
    """A filtering step said by what it keeps: 'filter rows in the Orders sheet of brightwater.xlsx, keeping only the
    rows where the customer country is Portugal' (the description's mechanism — "using a SQL WHERE-style expression"
    — cut; `place`: where the rows are, `others`: any other values, each said with what it is)."""
    from task_synth.wording import listing

    base = _MECHANISM.sub("", imperative).strip() or "go through the data"
    where = f" in {place}" if place else ""
    more = f" with {listing(others)}" if others else ""
    return f"{base}{where}{more}, keeping only {condition}"


# ---- learning (probe stage)


def _sample_reads(state: SynthState, node: ToolNode, args: dict[str, Any]) -> list[ToolNode]:
    """Read tools of the node's server that need no argument it does not take (and are not filters themselves), the
    ones whose name or description speaks of rows, samples or listings first."""
    out = []
    for n in state.graph.nodes:
        if n.server != node.server or n.key == node.key or not n.read_only or not set(n.params) <= set(args):
            continue
        if any(str(k or "").startswith(CONDITION) for k in n.params.values()):
            continue
        out.append(n)

    def rank(n: ToolNode) -> tuple[int, int, str]:
        first = _first_sentence(n.description)
        tier = next((i for i, (rx, text) in enumerate(((_SAMPLE, n.tool), (_SAMPLE, first), (_LISTS, n.tool),
                                                        (_LISTS, first))) if rx.search(text)), 4)
        return (tier, -len(n.params), n.tool)

    return sorted(out, key=rank)


async def _call(state: SynthState, server: str, tool: str, args: dict[str, Any], label: str) -> tuple[bool, str]:
    """(succeeded, its text or the error)."""
    from task_synth.probe import looks_like_error

    async with state.live.episode(label, servers=[server], call_timeout_s=state.options.call_timeout_s) as ep:
        out = await ep.call_real(server, tool, expand(dict(args), state.builtins), state.options.call_timeout_s)
    if not out.ok or looks_like_error(out.content):
        return False, (out.error or out.content or "")[:160]
    return True, out.content


async def learn(state: SynthState) -> None:
    """Give every read tool's condition parameter conditions built from its server's data (module docstring)."""
    from task_synth.graph import literal_values

    for node in state.graph.nodes:
        conds = [p for p, k in node.params.items() if k == CONDITION]
        if len(conds) != 1 or not node.read_only:
            continue
        param = conds[0]
        entry = state.entry(node.server, node.tool)
        if entry is None:
            continue
        props = (entry.input_schema or {}).get("properties") or {}
        args: dict[str, Any] = {}
        for p, k in node.params.items():
            if p == param:
                continue
            vals = literal_values(state.graph, k, props.get(p), node.server) if k else []
            if not vals:
                break
            args[p] = vals[0]
        else:
            await _learn_one(state, node, entry, param, args)


async def _learn_one(state: SynthState, node: ToolNode, entry: ToolEntry, param: str, args: dict[str, Any]) -> None:
    form = syntax(entry, param)
    kept: list[Any] = []
    why: list[str] = []
    for i, reader in enumerate(_sample_reads(state, node, args)[:SAMPLE_READS]):
        ok, text = await _call(state, reader.server, reader.tool, {p: args[p] for p in reader.params},
                               f"synth-sample-{node.server}-{i}")
        rows = records(text) if ok else []
        candidates = [render(f, op, v, form) for f, op, v in choices(rows)][:MAX_CANDIDATES]
        if not candidates:
            why.append(f"{reader.tool}: {len(rows)} records, nothing to filter by")
            continue
        kept, reason = await _verified(state, node, param, args, candidates, i)
        if kept:
            break
        why.append(f"{reader.tool}: {reason}")
    if not kept:
        state.notes.append(f"conditions: {node.key}.{param}: no condition built from the data told rows apart ("
                           + "; ".join(why) + ")")
        return
    kind = f"{CONDITION}@{node.server}~{node.tool}"
    state.graph.pools[kind] = kept
    node.params[param] = kind
    for q, v in args.items():  # the conditions hold for the arguments the data was read with
        pinned = f"{q}@{node.server}~{node.tool}"
        node.params[q] = pinned
        state.graph.pools[pinned] = [v]
    state.notes.append(f"conditions: {node.key}.{param} takes {len(kept)} conditions built from the data, e.g. "
                       f"{json.dumps(kept[0], ensure_ascii=False)}")


async def _verified(state: SynthState, node: ToolNode, param: str, args: dict[str, Any], candidates: list[Any],
                    reader: int) -> tuple[list[Any], str]:
    """The candidates that work on the filtering tool, each in its own episode — none when they all give the same
    output (a filter that ignores its condition) —, and why none did."""
    outputs: list[tuple[Any, str]] = []
    errors: list[str] = []
    for i, cond in enumerate(candidates):
        ok, out = await _call(state, node.server, node.tool, {**args, param: cond},
                              f"synth-condition-{node.server}-{reader}-{i}")
        if ok:
            outputs.append((cond, out))
        else:
            errors.append(out)
    kept = [c for c, _ in outputs] if len({o for _, o in outputs}) >= 2 else []  # a filter that ignores them: none
    reason = f"{len(outputs)} of {len(candidates)} conditions worked" + (f", {errors[0]!r}" if errors else "")
    return kept, reason


__all__ = [
    "CONDITION",
    "choices",
    "condition_params",
    "filtered_step",
    "is_condition",
    "learn",
    "records",
    "render",
    "syntax",
    "words",
]
