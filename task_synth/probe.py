"""Graph source `probe`: call read-only tools with safe generated arguments and look at what comes back.

Each round probes every read-only tool whose required parameters can now be filled (the first round's outputs — table
names, entity names, links — fill parameters of the next). Every probe runs twice in two episodes; an output that
differs, or mentions today's date, marks the tool live and its values stay out of the literal pools (they would
change the next run's choices).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import anyio

from task_synth.artifacts import ProbeRecord, ToolNode
from task_synth.binding import expand, placeholders
from task_synth.graph import can_fill, connect, init_graph, literal_values, mark_produces
from task_synth.kinds import KINDS, NEVER, find_values
from task_synth.normalise import clock_dependent, episode_dirs
from task_synth.registry import step

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

POOLED_PER_TOOL = 8
"""Values a single probe output may add to a kind's pool (long listings must not drown the seeds)."""
NOT_POOLED = {"number"}
"""Kinds whose probe values are evidence for edges but never literal arguments (any output is full of numbers)."""

_ERROR = re.compile(r"^\s*(error\b|traceback|exception\b|failed\b|invalid\b|unknown tool)", re.IGNORECASE)


def looks_like_error(text: str) -> bool:
    """An ok outcome whose text is really an error or empty (some servers report faults as plain text)."""
    t = text.strip()
    return not t or t in ("[]", "{}", "null", "None", '""') or bool(_ERROR.match(t))


def normalise_output(text: str, builtins: dict[str, str] | None) -> str:
    """Run-specific values written back as placeholders (the loopback port, temporary directories)."""
    return episode_dirs(placeholders(text, builtins))


def probe_arguments(state: SynthState, node: ToolNode) -> dict[str, Any]:
    entry = state.entry(node.server, node.tool)
    props = ((entry.input_schema if entry else {}) or {}).get("properties") or {}
    return {p: literal_values(state.graph, k, props.get(p))[0] for p, k in node.params.items() if k is not None}


async def _call_all(state: SynthState, nodes: list[ToolNode], args: dict[str, dict[str, Any]], label: str
                    ) -> dict[str, tuple[str, str]]:
    """(outcome, text) per tool key, all calls of one episode run concurrently under a limiter."""
    results: dict[str, tuple[str, str]] = {}
    limiter = anyio.CapacityLimiter(state.options.concurrency)
    servers = sorted({n.server for n in nodes})
    async with state.live.episode(f"synth-probe-{label}", servers=servers,
                                  call_timeout_s=state.options.call_timeout_s) as tools:
        async def one(node: ToolNode) -> None:
            async with limiter:
                out = await tools.call_real(node.server, node.tool, expand(args[node.key], state.builtins),
                                            state.options.call_timeout_s)
            text = out.content if out.ok else (out.error or out.content)
            results[node.key] = (out.outcome, text)

        async with anyio.create_task_group() as tg:
            for node in nodes:
                tg.start_soon(one, node)
    return results


@step("graph", "probe")
class ProbeSource:
    """Edges from live outputs: a kind found in a probe's output is produced by that tool."""

    name = "probe"

    def __init__(self, rounds: int = 3):
        self.rounds = rounds

    async def run(self, state: SynthState) -> None:
        init_graph(state)
        schemas = {f"{e.server}/{e.name}": e.input_schema or {} for e in state.entries}
        probed: set[str] = set()
        for r in range(self.rounds):
            todo = [n for n in state.graph.nodes
                    if n.key not in probed and can_fill(state.graph, n, schemas.get(n.key, {}))]
            if not todo:
                break
            args = {n.key: probe_arguments(state, n) for n in todo}
            first = await _call_all(state, todo, args, f"{r}a")
            second = await _call_all(state, todo, args, f"{r}b")
            for node in todo:
                probed.add(node.key)
                outcome, raw = first[node.key]
                text = normalise_output(raw, state.builtins)
                varying = (text != normalise_output(second[node.key][1], state.builtins)
                           or clock_dependent(raw, state.now))
                node.probe = ProbeRecord(arguments=args[node.key], outcome=outcome, output=text[:4000],
                                         varying=varying)
                if outcome != "ok" or looks_like_error(raw):
                    continue
                self._learn(state, node, raw, text, varying)
        connect(state.graph)

    @staticmethod
    def _learn(state: SynthState, node: ToolNode, raw: str, text: str, varying: bool) -> None:
        for kind in sorted(KINDS):
            found = find_values(kind, raw, node.key)
            if not found:
                # a successful probe outranks a guess from the schema's words
                if KINDS[kind].find != NEVER and node.produces.get(kind) == ["schema"]:
                    del node.produces[kind]
                continue
            mark_produces(node, kind, "probe")
            if varying or kind in NOT_POOLED:
                continue
            pool = state.graph.pools.setdefault(kind, [])
            for _, _, value in found[:POOLED_PER_TOOL]:
                value = normalise_output(value, state.builtins)
                if value not in pool:
                    pool.append(value)


__all__ = ["NOT_POOLED", "ProbeSource", "looks_like_error", "normalise_output", "probe_arguments"]
