"""Why a read tool got no candidate chain: said per tool, so a run that makes nothing says why instead of nothing.

After the walks and lone reads are sampled, every selected read tool that no chain calls is given one reason, in
`rejected.jsonl` (stage `sample`, id `server/tool`) and in the run's notes (which `mcpbench synth` prints): a
required parameter with no value ("no value for network (an IPv4 network) and no tool outputs one"), a required
choice a request would not say, or a tool that nothing leads to and whose output feeds nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from task_synth.grammar import with_article
from task_synth.graph import handle_source
from task_synth.kinds import KINDS

if TYPE_CHECKING:
    from task_synth.artifacts import Chain, ToolNode
    from task_synth.pipeline import SynthState


def _noun(kind: str) -> str:
    base = kind.split("@")[0].split("~")[0]
    return KINDS[base].noun if base in KINDS else base.replace("_", " ")


def why_not(state: SynthState, walker: Any, node: ToolNode) -> str:
    """The first reason NODE is in no chain: a parameter with no value, an unsaid choice, or no walk through it."""
    fed = {e.param for e in state.graph.edges if e.dst == node.key}
    for p, kind in node.params.items():
        if p in fed:
            continue
        if kind is None and handle_source(state.graph, node.server, p) is None:
            return f"no value for {p}: its kind is unknown, no tool outputs it and no value is known"
        if kind is not None and not walker.literal_probe(node, p):
            return f"no value for {p} ({with_article(_noun(kind))}): none is known and no tool outputs one"
    from task_synth.phrases import is_setting

    props = walker.schemas.get(node.key, {})
    for p in node.params:
        enum = (props.get(p) or {}).get("enum") or []
        if len(enum) > 1 and "default" not in (props.get(p) or {}) and is_setting(p, enum[0]):
            return (f"a required choice of {p} ({', '.join(map(str, enum[:4]))}) that a one-hop request would not "
                    "say, and no walk goes through it (nothing leads to it and its output feeds nothing)")
    if not state.options.lone_reads:
        return "no walk goes through it (nothing leads to it and its output feeds nothing)"
    return "no walk goes through it, and the walks left no room for a one-hop read"


def record(state: SynthState, walker: Any, chains: list[Chain]) -> None:
    """A `sample` rejection and a note per selected read tool no chain calls (set-up calls aside)."""
    reached = {f"{s.server}/{s.tool}" for c in chains for s in c.steps}
    missed = [n for k, n in sorted(walker.nodes.items()) if k not in reached]
    for node in missed:
        reason = f"{node.tool}: {why_not(state, walker, node)}"
        state.reject(node.key, "sample", [f"no chain: {reason}"])
        state.notes.append(f"sample:walk: no chain on {node.server}/{reason}")


__all__ = ["record", "why_not"]
