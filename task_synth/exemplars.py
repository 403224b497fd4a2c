"""Values a tool's words give as examples: the last resort for a required parameter nothing else fills.

Many servers document the values that work in prose rather than in the schema: a parameter described as "Catalogue
code, e.g. PLT-201", a search whose description says "Example queries that find plants: fern, maple, orchid", a
read whose description says "Example: PLT-201 (Maidenhair Fern)", a write whose description says "Example:
tray_id=tray-1". When a required parameter of a tool has no value from anything better — no kind with a pool, no
listing of its server (listers.py), no handle another tool returns — the examples its own description gives
(documented.described_examples), else those the tool's description gives for it (documented.tool_examples) become
its pool:

- a parameter of no kind takes the run-local kind `param@server` (as listers.py gives one), shared by the server's
  tools that take a parameter of that name; when the examples are ids of one shape (a prefix and a separator before
  letters and digits: `PLT-201`), the kind is also found in that server's outputs by that shape, so a search that
  lists such ids feeds the read that takes one (search, then read one) rather than only the examples;
- a parameter of a kind with no value on its server (a search query) takes them as the server's own values of that
  kind (graph.local_pools).

Examples that are wrong fail at probing and grounding like any other value: nothing here is trusted further.
Nothing here names a server or tool.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from task_synth.documented import described_examples, tool_examples
from task_synth.graph import handle_source, literal_values
from task_synth.kinds import KINDS, Kind, register_kind
from task_synth.listers import forms
from task_synth.wording import humanize

if TYPE_CHECKING:
    from task_synth.artifacts import ToolNode
    from task_synth.pipeline import SynthState

POOL = 8
"""Examples kept per parameter."""
_SHAPED = re.compile(r"([A-Za-z]{1,12}[-_:#])([A-Za-z0-9]*\d[A-Za-z0-9]*)")
"""An id of a shape: a word and a separator, then letters and digits with at least one digit ('PLT-201')."""


def _needs(state: SynthState, node: ToolNode, p: str, kind: str | None, schema: dict[str, Any]) -> bool:
    if kind is None:
        return handle_source(state.graph, node.server, p) is None and schema.get("type") in (None, "string") \
            and "enum" not in schema
    return kind not in ("enum", "boolean") and not kind.startswith("[") \
        and not literal_values(state.graph, kind, schema, node.server, p)


def examples_for(node: ToolNode, p: str, schema: dict[str, Any], sole: bool) -> list[str]:
    """The examples the parameter's own description gives, else those the tool's description gives for it."""
    return (described_examples(str(schema.get("description") or ""))
            or tool_examples(node.description, p, forms(p), sole))[:POOL]


def shaped_kind(name: str, server: str, values: list[str]) -> None:
    """Register the run-local kind NAME as found, in SERVER's outputs only, by the shape its example ids share
    (`PLT-` then letters and digits); nothing when they are not all ids of a shape."""
    prefixes = sorted({m.group(1) for v in values if (m := _SHAPED.fullmatch(v))})
    if not prefixes or not all(_SHAPED.fullmatch(v) for v in values) or name in KINDS:
        return
    body = rf"(?:{'|'.join(re.escape(x) for x in prefixes)})[A-Za-z0-9]+"
    register_kind(Kind(name, body, find=rf"(?<![\w-])({body})(?![\w-])", sources=rf"^{re.escape(server)}/",
                       noun=humanize(name.split("@")[0])))


def learn(state: SynthState) -> None:
    """Give every required parameter that nothing fills the examples its tool's words give (see the module doc)."""
    found: dict[tuple[str, str, str | None], list[str]] = {}
    for node in sorted(state.graph.nodes, key=lambda n: n.key):
        entry = state.entry(node.server, node.tool)
        props = ((entry.input_schema if entry else None) or {}).get("properties") or {}
        needy = [p for p, k in node.params.items() if _needs(state, node, p, k, props.get(p) or {})]
        for p in needy:
            vals = examples_for(node, p, props.get(p) or {}, sole=len(needy) == 1)
            pool = found.setdefault((node.server, p, node.params[p]), [])
            pool += [v for v in vals if v not in pool]
    for (server, p, kind), vals in found.items():
        if not vals:
            continue
        if kind is None:
            name = f"{p}@{server}"
            state.graph.pools[name] = vals[:POOL]
            shaped_kind(name, server, vals)
            for node in state.graph.nodes:
                if node.server == server and p in node.params and node.params[p] is None:
                    node.params[p] = name
        else:
            k = KINDS.get(kind.split("@")[0])
            fit = [v for v in vals if k is None or re.fullmatch(k.pattern, v)]
            local = state.graph.local_pools.setdefault(server, {})
            if fit and not local.get(kind):
                local[kind] = fit[:POOL]
        state.notes.append(f"graph:examples: {p} of {server} takes the examples its tools' words give "
                           f"({', '.join(vals[:3])}{', …' if len(vals) > 3 else ''})")


__all__ = ["POOL", "examples_for", "learn", "shaped_kind"]
