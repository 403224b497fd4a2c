"""`mcpbench tasks pick`: a balanced subset of a suite (how core's synthesized part is drawn from wide)."""

from __future__ import annotations

from collections import Counter

from task_synth.pick import PickOptions, pick, renamed
from task_synth.task import Check, ReferenceStep, StateRead, Task


def _task(tid: str, servers: list[str], hops: int, stateful: bool = False, fuzzy: str | None = None) -> Task:
    steps = [ReferenceStep(server=servers[i % len(servers)], tool="t", arguments={"of": tid}, output="1")
             for i in range(hops)]
    checks = [Check(kind="numeric", value=1, from_step=hops - 1, extract=r"(\d)")]
    if stateful:
        checks.append(Check(kind="state", value="1", read=StateRead(server=servers[0], tool="t")))
    return Task(id=f"wide-{tid}", servers=servers, precise="p", fuzzy=fuzzy or f"request {tid}", checks=checks,
                answer="1", reference=steps, tags=["stateful"] if stateful else [])


POOL = ([_task(f"m{i}", ["a", "b"], 3) for i in range(4)] + [_task(f"m2h{i}", ["a", "b"], 2) for i in range(3)]
        + [_task(f"x{i}", ["c", "d"], 4) for i in range(2)]
        + [_task(f"s{i}", ["a"], 3, stateful=True) for i in range(3)]
        + [_task(f"e{i}", ["e"], 2) for i in range(5)] + [_task(f"f{i}", ["f"], 2) for i in range(5)])


def test_each_round_takes_its_kind_round_robin_and_never_twice():
    got = pick(POOL, PickOptions(n=12, multi=4, stateful=2, per_server=2, seed=3))
    ids = [t.id for t in got]
    assert len(ids) == len(set(ids)) == 12
    # round 1: four multi-server tasks with ≥ 3 hops, alternating the two server sets (a+b, c+d)
    first = got[:4]
    assert all(len(t.servers) > 1 and t.hops >= 3 for t in first)
    assert Counter("+".join(t.servers) for t in first) == {"a+b": 2, "c+d": 2}
    # round 2: two stateful tasks with final-state checks
    assert all("stateful" in t.tags for t in got[4:6])
    # round 3: every server has at least two tasks; e and f had none so far
    have = Counter(s for t in got for s in t.servers)
    assert all(have[s] >= 2 for s in "abcdef"), have


def test_a_request_already_in_the_suite_it_joins_is_not_picked_again():
    twin = _task("dup", ["e"], 2, fuzzy="request e0")
    got = pick([*POOL, twin], PickOptions(n=40, seed=1), already=[_task("old", ["e"], 2, fuzzy="request e0")])
    assert not {"wide-e0", "wide-dup"} & {t.id for t in got}
    assert len(got) == len(POOL) - 1


def test_a_task_with_the_same_calls_and_checks_as_one_in_the_suite_it_joins_is_not_picked_even_worded_otherwise():
    # a seeded task the recipe already makes in another part: the build's merge would drop the picked copy
    made = _task("e0", ["e"], 2, fuzzy="Please keep our customers in a table, then tell me how many there are.")
    got = pick(POOL, PickOptions(n=40, seed=1), already=[made.model_copy(update={"id": "core-e0"})])
    assert "wide-e0" not in {t.id for t in got} and len(got) == len(POOL) - 1
    twin = _task("e0", ["e"], 2, fuzzy="worded otherwise").model_copy(update={"id": "wide-e0-twin"})
    got = pick([*POOL, twin], PickOptions(n=40, seed=1))
    assert len({t.id for t in got} & {"wide-e0", "wide-e0-twin"}) == 1


def test_the_same_seed_picks_the_same_tasks_and_renaming_keeps_the_hash():
    a = pick(POOL, PickOptions(n=8, multi=2, seed=5))
    b = pick(POOL, PickOptions(n=8, multi=2, seed=5))
    assert [t.id for t in a] == [t.id for t in b]
    assert [t.id for t in renamed(a[:1], "core-w")] == ["core-w-" + a[0].id.rsplit("-", 1)[-1]]
