"""The synthesis entry points: `synthesize` (sampled chains or curated plans → tasks) and writing the results."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from ruamel.yaml import YAML

from mcpbench.models.base import Provider
from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft, TaskPlan
from task_synth.assemble import own_tags
from task_synth.binding import placeholder, without_args
from task_synth.offered import OfferingFleet, offered_files, with_offered
from task_synth.pipeline import (
    LiveTools,
    SynthOptions,
    SynthState,
    declared_exclusions,
    default_steps,
    run_steps,
    select_entries,
)
from task_synth.registry import StepRef
from task_synth.task import Suite, Task
from task_synth.variants import Variant, VariantFleet
from task_synth.variants import expand as expand_variants


def load_plans(path: str | Path) -> list[TaskPlan]:
    """Curated plans from YAML (a list, or {plans: [...]}) or JSONL. Raises ValueError naming the file and plan."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    if p.suffix == ".jsonl":
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    else:
        data = YAML(typ="safe", pure=True).load(text)
        items = data.get("plans", []) if isinstance(data, dict) else data
    plans = []
    for i, item in enumerate(items or []):
        try:
            plans.append(TaskPlan.model_validate(item))
        except ValueError as e:
            name = item.get("id", f"#{i}") if isinstance(item, dict) else f"#{i}"
            raise ValueError(f"{p}: plan {name}: {e}") from None
    ids = [pl.id for pl in plans]
    dups = sorted({x for x in ids if ids.count(x) > 1})
    if dups:
        raise ValueError(f"{p}: duplicate plan ids: {', '.join(dups)}")
    return plans


async def synthesize(live: LiveTools, options: SynthOptions, *, plans: list[TaskPlan] | None = None,
                     model: Provider | None = None, work: Path | None = None,
                     steps: list[StepRef] | None = None,
                     on_progress: Callable[[SynthState], object] | None = None) -> SynthState:
    """Run the pipeline on a live fleet and return its final state (`state.tasks`, `state.rejected`).

    Without plans: graph → sample → ground → write → filter, then the first `options.n` tasks are kept (chains
    are sampled in a seeded order). With plans: every plan is grounded and filtered (n does not apply).
    Raises TimeoutError when a stage overruns, ModelError when a model step cannot reach its model.
    `on_progress(state)` is called whenever the planner keeps a task (to write results as they come).
    """
    exclude = [] if plans else [*options.exclude, *declared_exclusions(live, options.servers)]
    entries = select_entries(live.catalog, options.servers, exclude)
    table: dict[str, Variant] = {}
    if not plans and options.planner is None:  # a tool whose `action` selects what it does is several tools
        entries, table = expand_variants(entries)
        if table:
            live = VariantFleet(live, table)
    state = SynthState(options=options, live=live, entries=entries, builtins=dict(live.builtins), model=model,
                       on_progress=on_progress, variants=dict(table))
    if not plans and options.seed_world and (offered := offered_files(state)):
        state.offered = offered  # a server that reads the user's files is given some of the world's
        state.live = OfferingFleet(state.live, offered)
    if plans:
        for pl in plans:
            state.chains.append(Chain(id=pl.id, steps=pl.steps, seed=f"{options.seed}:{pl.id}", files=pl.files))
            state.plans[pl.id] = pl
            state.drafts[pl.id] = Draft(precise=pl.precise, fuzzy=pl.fuzzy, answer=pl.answer, checks=pl.checks,
                                        writer="curated", tags=pl.tags)
    await run_steps(state, steps or default_steps(options, curated=bool(plans)), work)
    if state.offered:
        state.tasks = [with_offered(t, state.offered) for t in state.tasks]
    if not plans and len(state.tasks) > options.n:
        state.tasks = _without_parts(_mixed(state.tasks, options.n), options.n, state)
        for t in state.tasks[options.n:]:
            state.reject(t.id, "select", [f"surplus: {options.n} tasks were wanted"], t)
        state.tasks = state.tasks[:options.n]
    if plans:
        order = {pl.id: i for i, pl in enumerate(plans)}
        state.tasks.sort(key=lambda t: order.get(t.id, len(order)))
    if work is not None:
        from task_synth.pipeline import write_artifacts

        write_artifacts(state, work)
    return state


def _mixed(tasks: list[Task], n: int) -> list[Task]:
    """The same tasks reordered so the first n mix kinds fairly: stateful and read-only tasks alternate, and among
    each, multi-server tasks alternate with single-server ones (each group keeps its seeded order); one-hop tasks
    (sampling.lone_reads) come after every longer one."""
    tasks = sorted(tasks, key=lambda t: len(t.reference) == 1)
    def groups(ts: list[Task]) -> list[Task]:
        multi = [t for t in ts if len(t.servers) > 1]
        single = [t for t in ts if len(t.servers) <= 1]
        return _interleave(multi, single)

    stateful = groups([t for t in tasks if "stateful" in t.tags])
    other = groups([t for t in tasks if "stateful" not in t.tags])
    return _interleave(stateful, other)


def _without_parts(tasks: list[Task], n: int, state: SynthState) -> list[Task]:
    """The same tasks with those a kept joined task (carried answer, two asks) was made of moved after every other,
    so the first n do not ask one question twice; they stay at the end, for when nothing else is left."""
    kept = {state.task_chain.get(t.id, "") for t in tasks[:n]}
    parts = {p for c in kept for p in state.parts.get(c, [])}
    if not parts:
        return tasks
    is_part = [state.task_chain.get(t.id, "") in parts and state.task_chain.get(t.id, "") not in state.parts
               for t in tasks]
    return [t for t, p in zip(tasks, is_part, strict=True) if not p] + \
        [t for t, p in zip(tasks, is_part, strict=True) if p]


def _interleave(a: list[Task], b: list[Task]) -> list[Task]:
    out: list[Task] = []
    for i in range(max(len(a), len(b))):
        out += a[i:i + 1] + b[i:i + 1]
    return out




def _answer_template(task: Task) -> str:
    """The task's answer with every value a check reads written back as a `{{step[i]:...}}` placeholder."""
    answer = task.answer
    for c in task.checks:
        if c.from_step is None or not c.extract or c.kind == "claims" or str(c.value).startswith(("<", "#")):
            continue
        text = str(c.value)
        if text and text in answer and "{{" + f"step[{c.from_step}]:" not in answer:
            answer = answer.replace(text, placeholder(c.from_step, c.extract), 1)
    return answer


def plans_from_tasks(tasks: list[Task]) -> list[TaskPlan]:
    """Editable plans from tasks (e.g. sampled by `mcpbench synth`): reword them, then re-ground with --plans."""
    plans = []
    for t in tasks:
        steps = [ChainStep(server=s.server, tool=s.tool,
                           arguments=without_args(s.arguments, s.bindings),
                           bindings=dict(s.bindings), depends_on=list(s.depends_on)) for s in t.reference]
        checks = [CheckSpec(kind=c.kind, step=c.from_step, extract=c.extract,
                            value=c.value if c.from_step is None else None, tolerance=c.tolerance,
                            relative=c.relative, case_sensitive=c.case_sensitive, read=c.read,
                            description=c.description)
                  for c in t.checks]
        plans.append(TaskPlan(id=t.id, fuzzy=t.fuzzy, precise=t.precise, answer=_answer_template(t), steps=steps,
                              checks=checks, tags=own_tags(t.tags), files=t.files))
    return plans


def dump_plans(plans: list[TaskPlan], path: Path) -> None:
    """Write plans as YAML; strings holding backslashes or quotes become literal blocks (regexes read as they are)."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    def lit(v: object) -> object:
        if isinstance(v, str) and ("\\" in v or "'" in v or '"' in v) and "\n" not in v:
            return LiteralScalarString(v)
        if isinstance(v, list):
            return [lit(x) for x in v]
        if isinstance(v, dict):
            return {k: lit(x) for k, x in v.items()}
        return v

    data = {"plans": [lit(p.model_dump(mode="json", exclude_defaults=True)) for p in plans]}
    yaml = YAML()
    yaml.width = 120
    with path.open("w", encoding="utf-8") as f:
        yaml.dump(data, f)


def rejected_path(out: Path) -> Path:
    """FILE.jsonl -> FILE.rejected.jsonl"""
    return out.with_name(out.name.removesuffix(".jsonl") + ".rejected.jsonl")


def write_outputs(state: SynthState, out: Path, name: str | None = None) -> Suite:
    """Write the suite (deterministic bytes) and its rejected candidates beside it."""
    suite = Suite(name=name or out.name.removesuffix(".jsonl"), version="1", tasks=list(state.tasks))
    out.parent.mkdir(parents=True, exist_ok=True)
    suite.dump(out)
    rejected_path(out).write_text(
        "".join(json.dumps(r.model_dump(mode="json"), sort_keys=True, ensure_ascii=False) + "\n"
                for r in state.rejected), encoding="utf-8")
    return suite


__all__ = ["dump_plans", "load_plans", "plans_from_tasks", "rejected_path", "synthesize", "write_outputs"]
