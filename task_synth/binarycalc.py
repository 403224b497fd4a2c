"""World sums through two-number calculators: a third calculator shape for world calculations (stage 2c).

Registries are full of toy calculators whose tools take exactly two numbers (`add(a, b)`, `multiply(x, y)`), and
they often answer in prose ("The sum of 12 and 128 is 140."). Such a tool is neither an expression evaluator nor a
code runner (worldcalc.py), but it can still answer a person's question about the world's figures: a total over a
topic's records is repeated binary additions — the first two figures, then the running total and the next figure,
and so on — each hop bound to the previous hop's result read out of its output, the answer read from the last one
and checked against the world's own total (`topics.Measure.evaluate`).

A tool takes this shape when its required parameters are exactly two numbers and its name and first description
sentence name exactly one binary operation (`binary_op`: sum/add, subtract/difference, multiply/product,
divide/quotient); only its schema and its words decide, never its name alone. An adder computes the totals; when the
selection also has a multiplier or divider of that shape, or an expression calculator, a last hop applies a purpose
to the total (23 % VAT, the 15 % discount, a split across the four offices), as the two-hop world calculations do.

What is totalled (`sum_questions`): every money topic's own question when it is a sum (its condition kept: "what
the delivered and shipped ones add up to"), the whole topic when that question keeps a subset, and each group of a
record column with few values ("the pending ones"). A group of two is one addition: a one-hop task
(`SynthState.single_hop`); longer totals need `len - 1` hops and are left out beyond `max_hops`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mcpbench.catalog import ToolEntry
from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft
from task_synth.binding import extract, resolve_binding
from task_synth.documented import first_sentence
from task_synth.kinds import NUMBER
from task_synth.registry import step
from task_synth.topics import Measure, Topic, world_topics
from task_synth.worldcalc import PURPOSES, ExpressionCalculator, Purpose, _close, _ground_all, calculators

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

OPS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("+", re.compile(r"\b(?:sum|sums|add|adds|adding|addition|plus)\b", re.IGNORECASE)),
    ("-", re.compile(r"\b(?:subtract\w*|difference|minus)\b", re.IGNORECASE)),
    ("*", re.compile(r"\b(?:multipl\w*|product|times)\b", re.IGNORECASE)),
    ("/", re.compile(r"\b(?:divid\w*|division|quotient)\b", re.IGNORECASE)),
)
"""The binary operations a two-number tool may name, with the words that name them."""
OPENERS = ("Quick sum for the pricing review:", "For the budget sheet:", "Sanity check before I send the quote:",
           "For the sales meeting:")
MAX_TOOLS = 3


def _words(entry: ToolEntry) -> str:
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", entry.name).replace("_", " ").replace("-", " ")
    return f"{name} {first_sentence(entry.description or '')}"


def binary_op(entry: ToolEntry) -> tuple[str, str, str] | None:
    """(operator, first parameter, second parameter) when the tool takes exactly two required numbers and its name
    and first description sentence name exactly one binary operation; else None."""
    schema = entry.input_schema or {}
    req = list(schema.get("required") or [])
    props = schema.get("properties") or {}
    if len(req) != 2 or not all(isinstance(props.get(p), dict) and props[p].get("type") in ("number", "integer")
                                for p in req):
        return None
    ops = [op for op, rx in OPS if rx.search(_words(entry))]
    return (ops[0], req[0], req[1]) if len(ops) == 1 else None


@dataclass(frozen=True)
class BinaryTool:
    entry: ToolEntry
    op: str
    a: str
    b: str

    def integer(self) -> bool:
        props = (self.entry.input_schema or {}).get("properties") or {}
        return any((props.get(p) or {}).get("type") == "integer" for p in (self.a, self.b))


def binary_tools(entries: list[ToolEntry]) -> list[BinaryTool]:
    """The selected two-number calculators, in a stable order."""
    out = [BinaryTool(e, *found) for e in entries if (found := binary_op(e)) is not None]
    return sorted(out, key=lambda t: (t.entry.server, t.entry.name))


@dataclass(frozen=True)
class SumQuestion:
    """A total a person wants of a money topic's records: `rows` are the ones summed."""

    topic: Topic
    key: str
    rows: list[list[Any]]
    ask: str
    """Fuzzy: 'what buying one of each would come to, in euros'."""

    @property
    def column(self) -> int:
        return self.topic.measure.column if self.topic.measure is not None else len(self.topic.columns) - 1

    @property
    def figures(self) -> list[float]:
        return [float(r[self.column]) for r in self.rows]

    @property
    def value(self) -> float:
        return Measure(op="sum", column=self.column).evaluate(self.rows)


def sum_questions() -> list[SumQuestion]:
    """Totals of the world's money topics (see the module doc), in a fixed order."""
    out: list[SumQuestion] = []
    for t in world_topics():
        m = t.measure
        if not t.relative or m is None or m.op != "sum":
            continue
        kept = m.kept(t.rows)
        out.append(SumQuestion(t, t.key, kept, t.question))
        if len(kept) < len(t.rows):
            out.append(SumQuestion(t, f"{t.key}-all", list(t.rows),
                                   f"what all {len(t.rows)} of them come to together, in euros"))
        for col in range(1, len(t.columns)):
            values = [r[col] for r in t.rows]
            if col == m.column or not all(isinstance(v, str) and re.fullmatch(r"[a-z][a-z ]{1,20}", v)
                                          for v in values):
                continue
            for v in sorted(set(values), key=values.index):
                group = [r for r in t.rows if r[col] == v]
                if 2 <= len(group) < len(t.rows) and group != kept:
                    out.append(SumQuestion(t, f"{t.key}-{v}", group,
                                           f"what the {v} ones come to together, in euros"))
    return out


def _facts(q: SumQuestion) -> str:
    t = q.topic
    return "; ".join(f"{r[0]} ({', '.join(str(v) for v in r[1:q.column] if v is not None)}) at {r[q.column]:g} EUR"
                     for r in t.rows)


def _regex(text: str, want: float) -> str | None:
    """A regex re-reading `want` where the output shows it, anchored on the words just before it (and the number
    before those, if any), whatever the digits of the other numbers: reads "…690 and 1150 is 1840." as well."""
    numbers = list(re.finditer(rf"(?<![\w.]){NUMBER}(?!\w|\.\d)", text))
    for i, m in enumerate(numbers):
        if not _close(m.group(0), want):
            continue
        start = numbers[i - 1].end() if i else max(0, m.start() - 40)
        left = text[start:m.start()]
        if re.search(r"\d", left):
            continue
        lead = NUMBER if i else ""
        rx = f"{lead}{re.escape(left)}({NUMBER})"
        if "}}" not in rx and extract(rx, text) is not None and _close(str(extract(rx, text)), want):
            return rx
    return None


@step("sample", "world-sums")
class WorldSums:
    """World totals through two-number calculators (see the module doc)."""

    name = "world-sums"

    async def run(self, state: SynthState) -> None:
        tools = binary_tools(state.entries)
        adders = [t for t in tools if t.op == "+"][:MAX_TOOLS]
        if not adders:
            return
        scalers = [t for t in tools if t.op in ("*", "/")]
        exprs = [c for c in calculators(state.entries) if isinstance(c, ExpressionCalculator)][:2]
        regexes = await _first_regexes(state, adders)
        cands: list[tuple[Chain, SumQuestion, Purpose | None]] = []
        k = 0
        for adder in adders:
            rx = regexes.get(f"{adder.entry.server}/{adder.entry.name}")
            if rx is None:
                continue
            for q in sum_questions():
                figures = q.figures
                if adder.integer() and any(not f.is_integer() for f in figures):
                    continue
                hops = len(figures) - 1
                if hops > state.options.max_hops:
                    continue
                for how in [None, *self._purposes(q, scalers, exprs, k)]:
                    if how is not None and hops + 1 > state.options.max_hops:
                        continue
                    chain = _chain(state, adder, q, rx, how)
                    if hops == 1 and how is None:
                        state.single_hop.add(chain.id)
                    cands.append((chain, q, how[0] if how else None))
                    k += 1
        results = await _ground_all(state, [c for c, *_ in cands])
        for chain, q, purpose in cands:
            state.chains.append(chain)
            g = results[chain.id]
            if isinstance(g, str):
                state.reject(chain.id, "ground", [g], chain)
                continue
            raw = g.raw_outputs(0)
            want = round(q.value * (purpose[1] if purpose else 1.0), 2)
            last_rx = _regex(raw[-1], want)
            got = extract(last_rx, raw[-1]) if last_rx else None
            if last_rx is None or got is None or not _close(str(got), want):
                state.reject(chain.id, "write", [f"the calculation does not give the world's figure {want}"], g)
                continue
            try:
                resolve_binding(f"step[{len(raw) - 1}]:{last_rx}", raw, 0.0)
            except Exception:  # the regex must re-read the value
                continue
            opener = OPENERS[k % len(OPENERS)]
            k += 1
            t = q.topic
            then = f", then give the total {purpose[2]}" if purpose else ""
            fuzzy = (f"{opener} {t.title[0].upper()}{t.title[1:]}: {_facts(q)}. Could you tell me {q.ask}"
                     f"{', ' + purpose[2] if purpose else ''}?")
            precise = (f"Add up these figures ({', '.join(f'{f:g}' for f in q.figures)}) two at a time with the "
                       f"adding tool{then}; report the result (EUR).")
            state.grounded.append(g)
            state.drafts[chain.id] = Draft(
                precise=precise, fuzzy=fuzzy, answer=f"It comes to {got} EUR.",
                checks=[CheckSpec(kind="numeric", step=len(raw) - 1, extract=last_rx, tolerance=0.005,
                                  relative=True, description=f"the total{' ' + purpose[2] if purpose else ''}")],
                writer="world-sums", tags=["world-calc", "binary"])

    @staticmethod
    def _purposes(q: SumQuestion, scalers: list[BinaryTool], exprs: list[ExpressionCalculator], k: int
                  ) -> list[tuple[Purpose, Any]]:
        """A purpose for the total, with the tool applying it: a multiplier or divider of the same shape, else an
        expression calculator; none when the selection has neither."""
        for s in scalers:
            fits = [p for p in PURPOSES if (s.op == "/") == ("/" in p[0])]
            if fits:
                return [(fits[k % len(fits)], s)]
        if exprs:
            return [(PURPOSES[k % len(PURPOSES)], exprs[0])]
        return []


def _chain(state: SynthState, adder: BinaryTool, q: SumQuestion, rx: str, purpose: tuple[Purpose, Any] | None,
           ) -> Chain:
    """The chain of additions (and the purpose's hop applying the purpose to the total)."""
    from task_synth.binding import placeholder

    e = adder.entry
    f = [int(x) if adder.integer() else x for x in q.figures]
    steps = [ChainStep(server=e.server, tool=e.name, arguments={adder.a: f[0], adder.b: f[1]})]
    for i, x in enumerate(f[2:], start=1):
        steps.append(ChainStep(server=e.server, tool=e.name, arguments={adder.b: x},
                               bindings={adder.a: f"step[{i - 1}]:{rx}"}, depends_on=[i - 1]))
    tail = ""
    if purpose is not None:
        (expr, factor, _), tool = purpose
        last = len(steps) - 1
        if isinstance(tool, BinaryTool):
            other = 4 if tool.op == "/" else factor
            steps.append(ChainStep(server=tool.entry.server, tool=tool.entry.name, arguments={tool.b: other},
                                   bindings={tool.a: f"step[{last}]:{rx}"}, depends_on=[last]))
        else:
            args, binds = tool.then(expr.replace("{}", placeholder(last, rx)))
            steps.append(ChainStep(server=tool.entry.server, tool=tool.entry.name, arguments=args, bindings=binds,
                                   depends_on=[last]))
        tail = f"-{tool.entry.server}-{tool.entry.name}-{int(factor * 100)}"
    cid = f"sum-{e.server}-{e.name}-{q.key}{tail}"
    return Chain(id=cid, steps=steps, seed=f"{state.options.seed}:{cid}")


async def _first_regexes(state: SynthState, adders: list[BinaryTool]) -> dict[str, str | None]:
    """Call each adder once on two of the world's figures: the regex re-reading their sum in its output, or None."""
    out: dict[str, str | None] = {}
    servers = sorted({t.entry.server for t in adders})
    figures = (210, 480)
    async with state.live.episode("sum-try", servers=servers, call_timeout_s=state.options.call_timeout_s) as live:
        for t in adders:
            res = await live.call_real(t.entry.server, t.entry.name, {t.a: figures[0], t.b: figures[1]},
                                       state.options.call_timeout_s)
            out[f"{t.entry.server}/{t.entry.name}"] = _regex(res.content, sum(figures)) if res.ok else None
    return out


__all__ = ["BinaryTool", "SumQuestion", "WorldSums", "binary_op", "binary_tools", "sum_questions"]
