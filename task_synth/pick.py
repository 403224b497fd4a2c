"""A balanced subset of a suite, as editable plans (`mcpbench tasks pick`): how `core`'s synthesized part is drawn
from `wide`.

Picking is deterministic (seeded) and goes in rounds, each round-robin over groups so no server or selection
dominates:

1. `multi`: tasks over two or more servers with at least `min_multi_hops` hops, round-robin over server sets;
2. `stateful`: tasks that change state and carry final-state checks, round-robin over servers;
3. coverage: every server the source suite uses gets at least `per_server` tasks in the result (counting the tasks
   of `already`, e.g. a curated suite the pick is added to), fewest-covered server first;
4. the rest up to `n`, round-robin over servers.

A task is picked at most once; tasks whose fuzzy request, or whose substance (the same calls and checks worded
otherwise: `filters.task_substance`, what a build's merge keeps once), repeats one already picked or one in `already`
are skipped, so the subset does not ask the same thing twice nor lose tasks to the merge.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence

from pydantic import BaseModel, Field

from task_synth.filters import task_substance
from task_synth.task import Task


class PickOptions(BaseModel):
    n: int = Field(ge=1)
    multi: int = Field(default=0, ge=0)
    """Tasks wanted in round 1 (multi-server, ≥ min_multi_hops hops)."""
    min_multi_hops: int = Field(default=3, ge=1)
    stateful: int = Field(default=0, ge=0)
    """Tasks wanted in round 2 (stateful with final-state checks)."""
    per_server: int = Field(default=0, ge=0)
    seed: int = 0


def _final_state(t: Task) -> bool:
    return "stateful" in t.tags and any(c.kind == "state" for c in t.checks)


def _seen_as(t: Task) -> tuple[str, str]:
    """What makes two tasks the same ask: the request, or the substance."""
    return t.fuzzy, task_substance(t)


def _round_robin(pool: list[Task], key: Callable[[Task], Iterable[str]], want: int, taken: set[str],
                 seen_requests: set[str]) -> list[Task]:
    """Up to WANT tasks of POOL, cycling over the groups KEY puts them in (a task joins each of its groups)."""
    groups: dict[str, list[Task]] = defaultdict(list)
    for t in pool:
        for g in key(t):
            groups[g].append(t)
    order = sorted(groups)
    out: list[Task] = []
    while len(out) < want and any(groups[g] for g in order):
        for g in order:
            while groups[g]:
                t = groups[g].pop(0)
                if t.id in taken or not seen_requests.isdisjoint(_seen_as(t)):
                    continue
                taken.add(t.id)
                seen_requests.update(_seen_as(t))
                out.append(t)
                break
            if len(out) >= want:
                break
    return out


def pick(tasks: Sequence[Task], options: PickOptions, already: Sequence[Task] = ()) -> list[Task]:
    """The subset (in pick order); see the module doc."""
    rng = random.Random(f"task_synth:pick:{options.seed}")
    pool = list(tasks)
    rng.shuffle(pool)
    taken: set[str] = {t.id for t in already}
    seen_requests: set[str] = {k for t in already for k in _seen_as(t)}
    out: list[Task] = []

    def room(k: int) -> int:
        return max(0, min(k, options.n - len(out)))

    multi = [t for t in pool if len(t.servers) > 1 and t.hops >= options.min_multi_hops]
    out += _round_robin(multi, lambda t: ["+".join(sorted(t.servers))], room(options.multi), taken, seen_requests)
    state = [t for t in pool if _final_state(t)]
    out += _round_robin(state, lambda t: t.servers, room(options.stateful), taken, seen_requests)
    have = Counter(s for t in [*already, *out] for s in t.servers)
    servers = sorted({s for t in pool for s in t.servers})
    for server in sorted(servers, key=lambda s: (have[s], s)):
        lacking = options.per_server - have[server]
        if lacking > 0:
            got = _round_robin([t for t in pool if server in t.servers], _constant(server), room(lacking), taken,
                               seen_requests)
            out += got
            for t in got:
                have.update(t.servers)
    out += _round_robin(pool, lambda t: t.servers, room(options.n), taken, seen_requests)
    return out


def _constant(group: str) -> Callable[[Task], list[str]]:
    return lambda _t: [group]


def renamed(tasks: list[Task], prefix: str) -> list[Task]:
    """The tasks with ids moved to PREFIX (`wide-3f2a…` → `core-w-3f2a…`): a picked task is a new suite's task."""
    return [t.model_copy(update={"id": f"{prefix}-{t.id.rsplit('-', 1)[-1]}"}) for t in tasks]


__all__ = ["PickOptions", "pick", "renamed"]
