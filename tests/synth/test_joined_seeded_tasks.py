"""Seeded chains of one topic on two isolated servers are joined into one task ("keep them in a spreadsheet and
also in a document") only when the two parts fit `max_hops` together.

Regression: the join took each server's k-th plan and the first plan of the other server with the same topic,
whatever their lengths. A server whose writes need a set-up (create the file, then its sheet) makes 4-step parts;
joined to a 3-step part that is 7 hops, which the `hops` filter drops after the chain has been grounded twice. On a
dev-set selection of two document servers, 5 of 6 joined chains were dropped that way and only 1 of 10 tasks was
multi-server, although shorter plans of the same topics were there to join.
"""

from __future__ import annotations

from task_synth.artifacts import ChainStep
from task_synth.seeding import Plan, joined_pairs
from task_synth.topics import world_topics

TOPICS = {t.key: t for t in world_topics()}
FMT = ("text", "text")


def plan(server: str, topic: str, hops: int) -> Plan:
    return (TOPICS[topic], [ChainStep(server=server, tool=f"t{i}", arguments={}) for i in range(hops)], FMT)


def test_a_part_too_long_for_its_partner_is_passed_over_for_one_that_fits():
    long_a, short_a = plan("a", "products", 4), plan("a", "products", 2)
    b = plan("b", "products", 3)
    pairs = joined_pairs({"a": [long_a, short_a], "b": [b]}, ["a", "b"], count=2, max_hops=6)
    assert pairs, "nothing joined"
    assert all(len(pa[1]) + len(pb[1]) <= 6 for _, pa, _, pb in pairs)
    assert (("a", short_a, "b", b) in pairs) and all(pa is not long_a and pb is not long_a for _, pa, _, pb in pairs)
    # the same two plans are joined once per order of servers, never twice
    assert len(pairs) == len({(x, id(pa), y, id(pb)) for x, pa, y, pb in pairs}) == 2


def test_parts_join_only_on_one_topic_with_the_same_change_and_never_past_max_hops():
    a = [plan("a", "products", 3), plan("a", "customers", 3)]
    b = [plan("b", "customers", 3), plan("b", "engineers", 3)]
    pairs = joined_pairs({"a": a, "b": b}, ["a", "b"], count=6, max_hops=6)
    assert {(pa[0].key, pb[0].key) for _, pa, _, pb in pairs} == {("customers", "customers")}
    assert joined_pairs({"a": a, "b": b}, ["a", "b"], count=6, max_hops=5) == []
    changed = TOPICS["customers"].model_copy(update={"markers": ["Tejo River Authority"]})
    assert joined_pairs({"a": [a[1]], "b": [(changed, b[0][1], FMT)]}, ["a", "b"], count=6, max_hops=6) == []
    # one server with plans is nothing to join
    assert joined_pairs({"a": a, "b": []}, ["a", "b"], count=6, max_hops=6) == []
