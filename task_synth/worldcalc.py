"""Stage 2c, world calculations: read-only, two-hop tasks that put the world's figures through a server's calculator.

A *calculator* is any selected tool that computes: one whose only required parameter takes an arithmetic expression
(the `expression` kind), or one that runs code (`programs.code_tool`: a source-code parameter, and a language the
schema offers, Python or JavaScript). Either can answer a question a person has about the world's figures: "what
would one of each of our sensor products cost including 23 % VAT?", "how many of our Lisbon people joined before
2020, and what share of the office is that?" The first hop computes the figure (an expression totals it; a generated
program sums, counts or averages the records, with the topic's condition), the second applies the purpose (VAT, a
discount, a split, a share) to the first hop's result, bound from its output. With calculators on different servers
the second hop crosses servers. The request gives the figures and the purpose, never the expression or the program
("could you write a small script…" where the tool runs code); the answer is read from the last output and must agree
with the world's own arithmetic (`topics.Measure.evaluate`), or the chain is dropped.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import anyio

from mcpbench.catalog import ToolEntry
from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft, Grounded
from task_synth.binding import TEMPLATE, extract, placeholder, resolve_binding
from task_synth.grounding import GroundingFailed, ground_chain
from task_synth.kinds import NUMBER, param_kind, reference_regex
from task_synth.programs import CodeTool, code_tool
from task_synth.registry import step
from task_synth.topics import Measure, Topic, world_topics

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

PURPOSES = (("{} * 1.23", 1.23, "including 23% VAT"),
            ("{} * 0.85", 0.85, "after the 15% volume discount we offer"),
            ("{} / 4", 0.25, "split evenly across our four offices"))
"""How a total is used: (template applied to the first result, factor, words)."""
Purpose = tuple[str, float, str]
_EVALUATES = re.compile(r"evaluat|calculat|comput|arithmetic|numeric", re.IGNORECASE)
OPENERS = ("Quick sum for the pricing review:", "For the budget sheet:", "Sanity check before I send the quote:")
COUNT_OPENERS = ("For the quarterly review:", "Before the board pack goes out:", "For my notes on the team:")
MAX_EXPRESSION_TOOLS = 6
MAX_CODE_TOOLS = 3


def expression_param(entry: ToolEntry) -> str | None:
    """The tool's only required parameter when it takes an arithmetic expression, else None."""
    schema = entry.input_schema or {}
    req = list(schema.get("required") or [])
    props = schema.get("properties") or {}
    if len(req) != 1:
        return None
    return req[0] if param_kind(req[0], props.get(req[0]) or {}) == "expression" else None


@dataclass(frozen=True)
class Question:
    """A figure of the world a person wants computed: `measure` over a topic's records."""

    topic: Topic
    measure: Measure
    key: str
    ask: str
    """Fuzzy: 'what buying one of each would come to, in euros'."""
    precise: str

    @property
    def value(self) -> float | int:
        return self.measure.evaluate(self.topic.rows)

    @property
    def money(self) -> bool:
        return self.measure.op != "count"

    def purposes(self) -> list[Purpose]:
        if self.measure.op == "mean":
            return list(PURPOSES[:2])  # an average is taxed or discounted, not split
        if self.money:
            return list(PURPOSES)
        n = len(self.topic.rows)
        return [(f"{{}} / {n} * 100", 100 / n, f"what share of all {n} that is, as a percentage")]


def _total(t: Topic) -> tuple[str, float]:
    col = len(t.columns) - 1
    values = [r[col] for r in t.rows if isinstance(r[col], (int, float))]
    return " + ".join(f"{v:g}" for v in values), round(sum(values), 2)


def _facts(t: Topic) -> str:
    col = len(t.columns) - 1
    return "; ".join(f"{r[0]} at {r[col]:g} EUR" for r in t.rows)


def total_question(t: Topic) -> Question:
    """One of each / all together: the sum of a money topic's last column (what an expression can total)."""
    return Question(t, Measure(op="sum", column=len(t.columns) - 1), t.key, ask="", precise="")


def program_questions() -> list[Question]:
    """What a program can compute: each topic's own question (with its condition), and the average of a money
    topic's figure."""
    out = []
    for t in world_topics():
        if t.measure is None:
            continue
        out.append(Question(t, t.measure, t.key, ask=t.question, precise=t.precise))
        if t.relative:
            fig = _words(t.columns[-1])
            out.append(Question(t, Measure(op="mean", column=len(t.columns) - 1), f"{t.key}-mean",
                                ask=f"the average {fig} per {t.noun}, in euros",
                                precise=f"the mean {fig} of these {t.noun}s (EUR)"))
    return out


def _words(column: str) -> str:
    return re.sub(r"\s*\bEUR\b", "", column).strip().lower()


def _record(t: Topic, m: Measure, row: list[Any]) -> str:
    parts = []
    if m.where is not None:
        v = row[m.where.column]
        parts.append(f"{t.columns[m.where.column].lower()} {v}" if re.fullmatch(r"\d{4}-\d\d-\d\d", str(v))
                     else str(v))
    if m.op != "count":
        v = row[m.column]
        parts.append(f"{v:g} EUR" if t.relative else f"{_words(t.columns[m.column])} {v:g}")
    return f"{row[0]} ({', '.join(parts)})" if parts else str(row[0])


class Calculator(Protocol):
    """A tool that computes: the first hop's arguments for a question, the second hop's for a purpose."""

    @property
    def entry(self) -> ToolEntry: ...

    @property
    def tags(self) -> list[str]: ...

    def questions(self, i: int, per_tool: int) -> list[tuple[Question, int]]:
        """What this tool can compute, each with the turn that picks its purpose (`i`: the tool's rank)."""
        ...

    def first(self, q: Question) -> dict[str, Any]: ...

    def then(self, expr: str) -> tuple[dict[str, Any], dict[str, str]]:
        """(literal arguments, bindings) applying `expr` (arithmetic with `{{step[0]:…}}` in it)."""
        ...

    def words(self, q: Question, purpose: Purpose, opener: str) -> tuple[str, str]:
        """(fuzzy, precise) wording of a task whose first hop is on this tool."""
        ...


@dataclass(frozen=True)
class ExpressionCalculator:
    entry: ToolEntry
    param: str
    tags: list[str] = field(default_factory=lambda: ["world-calc"])

    def questions(self, i: int, per_tool: int) -> list[tuple[Question, int]]:
        topics = [t for t in world_topics() if t.relative][:per_tool]
        pairs = [(total_question(t), d) for t in topics for d in range(2)]
        return [(q, i + k // 2 + d) for k, (q, d) in enumerate(pairs)]

    def first(self, q: Question) -> dict[str, Any]:
        return {self.param: _total(q.topic)[0]}

    def then(self, expr: str) -> tuple[dict[str, Any], dict[str, str]]:
        return {}, {self.param: TEMPLATE + expr}

    def words(self, q: Question, purpose: Purpose, opener: str) -> tuple[str, str]:
        topic = q.topic
        fuzzy = (f"{opener} {topic.title[0].upper()}{topic.title[1:]}: {_facts(topic)}. What would one of each "
                 f"come to {purpose[2]}?") if topic.key != "orders-2026" else (
            f"{opener} This year's latest orders are worth {_facts(topic)}. What do they come to together "
            f"{purpose[2]}?")
        precise = (f"Add up the figures ({', '.join(f'{r[-1]:g}' for r in topic.rows)}) and apply "
                   f"{purpose[2]} to the total (EUR); report the result.")
        return fuzzy, precise


@dataclass(frozen=True)
class ProgramCalculator:
    tool: CodeTool
    tags: list[str] = field(default_factory=lambda: ["world-calc", "program"])

    @property
    def entry(self) -> ToolEntry:
        return self.tool.entry

    def questions(self, i: int, per_tool: int) -> list[tuple[Question, int]]:
        return [(q, i + k) for k, q in enumerate(program_questions())]

    def first(self, q: Question) -> dict[str, Any]:
        return {self.tool.param: self.tool.program(q.topic.rows, q.measure), **self.tool.arguments}

    def then(self, expr: str) -> tuple[dict[str, Any], dict[str, str]]:
        return dict(self.tool.arguments), {self.tool.param: TEMPLATE + self.tool.calculation(expr)}

    def words(self, q: Question, purpose: Purpose, opener: str) -> tuple[str, str]:
        t = q.topic
        facts = "; ".join(_record(t, q.measure, r) for r in t.rows)
        then = f"what that comes to {purpose[2]}" if q.money else purpose[2]
        fuzzy = (f"{opener} {t.title[0].upper()}{t.title[1:]}: {facts}. Could you write a small script that works "
                 f"out {q.ask}, and then tell me {then}?")
        step2 = f"give that figure {purpose[2]}" if q.money else f"express it as a percentage of all {len(t.rows)}"
        precise = (f"With a small {self.tool.language.name} program over these records ({facts}), compute "
                   f"{q.precise}; then {step2}. Report the result.")
        return fuzzy, precise


def calculators(entries: list[ToolEntry]) -> list[Calculator]:
    """The selected tools that compute: expression tools (those whose name or description says evaluate/calculate
    first), then tools that run code."""
    exprs = sorted(((e, p) for e in entries if (p := expression_param(e))),
                   key=lambda t: (not _EVALUATES.search(f"{t[0].name} {t[0].description}"), t[0].server, t[0].name))
    codes = [c for e in entries if (c := code_tool(e)) is not None]
    out: list[Calculator] = [ExpressionCalculator(e, p) for e, p in exprs]
    return out + [ProgramCalculator(c) for c in codes]


@step("sample", "world-calc")
class WorldCalc:
    """Two-hop calculations over the world's figures (see the module doc)."""

    name = "world-calc"

    def __init__(self, per_tool: int = 3):
        self.per_tool = per_tool

    async def run(self, state: SynthState) -> None:
        every = calculators(state.entries)
        exprs = [c for c in every if isinstance(c, ExpressionCalculator)]
        calcs = exprs[:MAX_EXPRESSION_TOOLS] + [c for c in every if not isinstance(c, ExpressionCalculator)][
            :MAX_CODE_TOOLS]
        if not calcs:
            return
        rng = random.Random(f"task_synth:world-calc:{state.options.seed}")
        plans = [(c, c.questions(i, self.per_tool * state.options.variants)) for i, c in enumerate(calcs)]
        firsts = await _first_hops(state, plans)
        cands: list[tuple[Chain, Question, Purpose, Calculator]] = []
        for i, (calc, questions) in enumerate(plans):
            entry = calc.entry
            others = [c for c in every if c.entry.server != entry.server][:3] or [calc]
            for k, (q, turn) in enumerate(questions):
                rx = firsts.get((entry.server, entry.name, q.key))
                if rx is None:
                    continue  # the tool does not show the figure where we can read it again
                choices = q.purposes()
                purpose = choices[turn % len(choices)]
                second = others[(i + k) % len(others)] if (i + k) % 2 else calc
                cid = f"calc-{entry.server}-{entry.name}-{second.entry.server}-{q.key}-{k}"
                args, binds = second.then(purpose[0].replace("{}", placeholder(0, rx)))
                steps = [ChainStep(server=entry.server, tool=entry.name, arguments=calc.first(q)),
                         ChainStep(server=second.entry.server, tool=second.entry.name, arguments=args,
                                   bindings=binds, depends_on=[0])]
                cands.append((Chain(id=cid, steps=steps, seed=f"{state.options.seed}:{cid}"), q, purpose, calc))
        results = await _ground_all(state, [c for c, *_ in cands])
        for chain, q, purpose, calc in cands:
            state.chains.append(chain)
            g = results[chain.id]
            if isinstance(g, str):
                state.reject(chain.id, "ground", [g], chain)
                continue
            raw = g.raw_outputs(0)
            bound = str(g.steps[1].arguments.get(next(iter(g.steps[1].bindings)), ""))
            total = q.value
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
            opener = rng.choice(OPENERS if q.money else COUNT_OPENERS)
            fuzzy, precise = calc.words(q, purpose, opener)
            value = extract(rx, raw[1])
            state.grounded.append(g)
            state.drafts[chain.id] = Draft(
                precise=precise, fuzzy=fuzzy,
                answer=f"It comes to {value} EUR." if q.money else f"That is {value}% of them.",
                checks=[CheckSpec(kind="numeric", step=1, extract=rx, tolerance=0.005, relative=True,
                                  description=f"the total {purpose[2]}" if q.money else "the share, in percent")],
                writer="world-calc", tags=list(calc.tags))


async def _first_hops(state: SynthState, plans: list[tuple[Calculator, list[tuple[Question, int]]]]
                      ) -> dict[tuple[str, str, str], str | None]:
    """Try every calculator's first hop once: a regex re-reading the world's figure in its output, or None."""
    firsts: dict[tuple[str, str, str], str | None] = {}
    servers = sorted({c.entry.server for c, _ in plans})
    async with state.live.episode("calc-try", servers=servers, call_timeout_s=state.options.call_timeout_s) as live:
        for calc, questions in plans:
            entry = calc.entry
            for q, _ in questions:
                if (entry.server, entry.name, q.key) in firsts:
                    continue
                out = await live.call_real(entry.server, entry.name, calc.first(q), state.options.call_timeout_s)
                firsts[(entry.server, entry.name, q.key)] = _total_regex(out.content, q.value) if out.ok else None
    return firsts


async def _ground_all(state: SynthState, chains: list[Chain]) -> dict[str, Grounded | str]:
    results: dict[str, Grounded | str] = {}
    limiter = anyio.CapacityLimiter(state.options.concurrency)

    async def one(chain: Chain) -> None:
        async with limiter:
            try:
                results[chain.id] = await ground_chain(state, chain)
            except GroundingFailed as e:
                results[chain.id] = str(e)

    async with anyio.create_task_group() as tg:
        for chain in chains:
            tg.start_soon(one, chain)
    return results


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


__all__ = ["PURPOSES", "Calculator", "ExpressionCalculator", "ProgramCalculator", "Question", "WorldCalc",
           "calculators", "expression_param", "program_questions"]
