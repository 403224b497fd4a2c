"""Stage 2c, world calculations: read-only, two-hop tasks that put the world's numbers through a server's calculator.

Any selected tool whose only required parameter takes an arithmetic expression (the `expression` kind) can answer a
question a person has about the world's figures: "what would one of each of our sensor products cost including 23 %
VAT?" The first hop totals the figures, the second applies the purpose (VAT, a discount, a split) to the first hop's
result, bound from its output. With two such tools on different servers the second hop crosses servers. The request
gives the figures and the purpose, never the expression; the answer is read from the last output and must agree with
the world's own arithmetic, or the chain is dropped.
"""

from __future__ import annotations

import math
import random
import re
from typing import TYPE_CHECKING

import anyio

from mcpbench.catalog import ToolEntry
from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft, Grounded
from task_synth.binding import TEMPLATE, extract, placeholder, resolve_binding
from task_synth.grounding import GroundingFailed, ground_chain
from task_synth.kinds import NUMBER, param_kind, reference_regex
from task_synth.registry import step
from task_synth.topics import Topic, world_topics

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

PURPOSES = (("{} * 1.23", 1.23, "including 23% VAT"),
            ("{} * 0.85", 0.85, "after the 15% volume discount we offer"),
            ("{} / 4", 0.25, "split evenly across our four offices"))
"""How a total is used: (template applied to the first result, factor, words)."""
_EVALUATES = re.compile(r"evaluat|calculat|comput|arithmetic|numeric", re.IGNORECASE)
OPENERS = ("Quick sum for the pricing review:", "For the budget sheet:", "Sanity check before I send the quote:")


def expression_param(entry: ToolEntry) -> str | None:
    """The tool's only required parameter when it takes an arithmetic expression, else None."""
    schema = entry.input_schema or {}
    req = list(schema.get("required") or [])
    props = schema.get("properties") or {}
    if len(req) != 1:
        return None
    return req[0] if param_kind(req[0], props.get(req[0]) or {}) == "expression" else None


def _money_topics() -> list[Topic]:
    return [t for t in world_topics() if t.relative]


def _total(t: Topic) -> tuple[str, float]:
    col = len(t.columns) - 1
    values = [r[col] for r in t.rows if isinstance(r[col], (int, float))]
    return " + ".join(f"{v:g}" for v in values), round(sum(values), 2)


def _facts(t: Topic) -> str:
    col = len(t.columns) - 1
    return "; ".join(f"{r[0]} at {r[col]:g} EUR" for r in t.rows)


@step("sample", "world-calc")
class WorldCalc:
    """Two-hop calculations over the world's figures (see the module doc)."""

    name = "world-calc"

    def __init__(self, per_tool: int = 3):
        self.per_tool = per_tool

    async def run(self, state: SynthState) -> None:
        tools = sorted(((e, p) for e in state.entries if (p := expression_param(e))),
                       key=lambda t: (not _EVALUATES.search(f"{t[0].name} {t[0].description}"), t[0].server, t[0].name))
        if not tools:
            return
        rng = random.Random(f"task_synth:world-calc:{state.options.seed}")
        firsts: dict[tuple[str, str, str], str | None] = {}
        topics = _money_topics()[: self.per_tool * state.options.variants]
        async with state.live.episode("calc-try", servers=sorted({e.server for e, _ in tools[:6]}),
                                      call_timeout_s=state.options.call_timeout_s) as live:
            for entry, param in tools[:6]:
                for topic in topics:
                    expr, total = _total(topic)
                    out = await live.call_real(entry.server, entry.name, {param: expr}, state.options.call_timeout_s)
                    firsts[(entry.server, entry.name, topic.key)] = _total_regex(out.content, total) if out.ok else None
        cands: list[tuple[Chain, Topic, tuple[str, float, str], float]] = []
        for i, (entry, param) in enumerate(tools[:6]):
            others = [t for t in tools if t[0].server != entry.server][:3] or [(entry, param)]
            for k, (topic, shift) in enumerate((t, d) for t in topics for d in range(2)):
                rx = firsts.get((entry.server, entry.name, topic.key))
                if rx is None:
                    continue  # the tool does not show the total where we can read it again
                purpose = PURPOSES[(i + k // 2 + shift) % len(PURPOSES)]
                second, p2 = others[(i + k) % len(others)] if (i + k) % 2 else (entry, param)
                expr, total = _total(topic)
                cid = f"calc-{entry.server}-{entry.name}-{second.server}-{topic.key}-{k}"
                steps = [ChainStep(server=entry.server, tool=entry.name, arguments={param: expr}),
                         ChainStep(server=second.server, tool=second.name,
                                   bindings={p2: TEMPLATE + purpose[0].replace("{}", placeholder(0, rx))},
                                   depends_on=[0])]
                cands.append((Chain(id=cid, steps=steps, seed=f"{state.options.seed}:{cid}"), topic, purpose, total))
        results: dict[str, Grounded | str] = {}
        limiter = anyio.CapacityLimiter(state.options.concurrency)

        async def one(chain: Chain) -> None:
            async with limiter:
                try:
                    results[chain.id] = await ground_chain(state, chain)
                except GroundingFailed as e:
                    results[chain.id] = str(e)

        async with anyio.create_task_group() as tg:
            for chain, *_ in cands:
                tg.start_soon(one, chain)
        for chain, topic, purpose, total in cands:
            state.chains.append(chain)
            g = results[chain.id]
            if isinstance(g, str):
                state.reject(chain.id, "ground", [g], chain)
                continue
            raw = g.raw_outputs(0)
            bound = str(g.steps[1].arguments.get(next(iter(g.steps[1].bindings)), ""))
            want = round(total * purpose[1], 2)
            rx = _total_regex(raw[1], want)
            if not _in(bound, total) or rx is None:
                state.reject(chain.id, "write", [f"the calculation does not give the world's figure {want} "
                                                 f"(first hop bound {bound!r})"], g)
                continue
            try:
                resolve_binding(f"step[1]:{rx}", raw, 0.0)
            except Exception:  # the regex must re-read the value
                continue
            opener = rng.choice(OPENERS)
            fuzzy = (f"{opener} {topic.title[0].upper()}{topic.title[1:]}: {_facts(topic)}. What would one of each "
                     f"come to {purpose[2]}?") if topic.key != "orders-2026" else (
                f"{opener} This year's latest orders are worth {_facts(topic)}. What do they come to together "
                f"{purpose[2]}?")
            precise = (f"Add up the figures ({', '.join(f'{r[-1]:g}' for r in topic.rows)}) and apply "
                       f"{purpose[2]} to the total (EUR); report the result.")
            value = extract(rx, raw[1])
            state.grounded.append(g)
            state.drafts[chain.id] = Draft(
                precise=precise, fuzzy=fuzzy, answer=f"It comes to {value} EUR.",
                checks=[CheckSpec(kind="numeric", step=1, extract=rx, tolerance=0.005, relative=True,
                                  description=f"the total {purpose[2]}")],
                writer="world-calc", tags=["world-calc"])


def _total_regex(text: str, total: float) -> str | None:
    """A regex re-reading the total where an output shows it (the first number equal to it), or None."""
    for m in re.finditer(rf"(?<![\w.]){NUMBER}(?![\w.])", text):
        if _close(m.group(0), total):
            rx = reference_regex(text, m.start(), m.end(), NUMBER)
            if rx and extract(rx, text) is not None and _close(str(extract(rx, text)), total):
                return rx
    return None


def _close(v: str, want: float) -> bool:
    try:
        x = float(v.replace(",", ""))
    except ValueError:
        return False
    return math.isclose(x, want, rel_tol=0.005)


def _in(text: str, total: float) -> bool:
    return any(_close(m, total) for m in re.findall(r"-?\d+(?:\.\d+)?", text))


__all__ = ["PURPOSES", "WorldCalc", "expression_param"]
