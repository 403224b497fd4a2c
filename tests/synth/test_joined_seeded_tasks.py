"""Seeded chains of one topic on two isolated servers are joined into one task ("keep them in a spreadsheet and
also in a document") only when the two parts fit `max_hops` together, the first part's verifying read left out when
they do not fit otherwise (its change is still scored by the final-state check that read gives).

Regression: the join took each server's k-th plan and the first plan of the other server with the same topic,
whatever their lengths. A server whose writes need a set-up (create the file, then its sheet) makes 4-step parts;
joined to a 3-step part that is 7 hops, which the `hops` filter drops after the chain has been grounded twice. On a
dev-set selection of two document servers, 5 of 6 joined chains were dropped that way and only 1 of 10 tasks was
multi-server, although shorter plans of the same topics were there to join.

Then: a slide-deck part (create the deck, add a slide, write, read) and a document part (create, write, read) are 7
steps: no pair fitted 6, and that selection had 0 multi-server tasks. The deck's read is what its final-state check
makes at evaluation, so the reference leaves it out (`trimmed`): 6 steps.
"""

from __future__ import annotations

from task_synth.artifacts import BoundRef, Chain, ChainStep, Grounded, GroundedStep
from task_synth.seeding import Plan, joined_pairs, trimmed
from task_synth.task import StateRead
from task_synth.topics import world_topics

TOPICS = {t.key: t for t in world_topics()}
FMT = ("text", "text")


def plan(server: str, topic: str, hops: int) -> Plan:
    return (TOPICS[topic], [ChainStep(server=server, tool=f"t{i}", arguments={}) for i in range(hops)], FMT)


def test_a_part_too_long_for_its_partner_is_passed_over_for_one_that_fits():
    long_a, short_a = plan("a", "products", 5), plan("a", "products", 2)
    b = plan("b", "products", 3)
    pairs = joined_pairs({"a": [long_a, short_a], "b": [b]}, ["a", "b"], count=2, max_hops=6)
    assert pairs, "nothing joined"
    assert all(len(pa[1]) - 1 + len(pb[1]) <= 6 for _, pa, _, pb in pairs)  # the first part's read left out
    assert (("a", short_a, "b", b) in pairs) and all(pa is not long_a and pb is not long_a for _, pa, _, pb in pairs)
    # the same two plans are joined once per order of servers, never twice
    assert len(pairs) == len({(x, id(pa), y, id(pb)) for x, pa, y, pb in pairs}) == 2


def test_parts_join_only_on_one_topic_with_the_same_change_and_never_past_max_hops():
    a = [plan("a", "products", 3), plan("a", "customers", 3)]
    b = [plan("b", "customers", 3), plan("b", "engineers", 3)]
    pairs = joined_pairs({"a": a, "b": b}, ["a", "b"], count=6, max_hops=6)
    assert {(pa[0].key, pb[0].key) for _, pa, _, pb in pairs} == {("customers", "customers")}
    assert joined_pairs({"a": a, "b": b}, ["a", "b"], count=6, max_hops=4) == []  # 2 + 3 > 4
    assert [(len(pa[1]), len(pb[1])) for _, pa, _, pb in
            joined_pairs({"a": [plan("a", "products", 4)], "b": [plan("b", "products", 3)]}, ["a", "b"], count=2,
                         max_hops=6)] == [(4, 3), (3, 4)]  # 7 steps: 6 once the first part's read is left out
    changed = TOPICS["customers"].model_copy(update={"markers": ["Tejo River Authority"]})
    assert joined_pairs({"a": [a[1]], "b": [(changed, b[0][1], FMT)]}, ["a", "b"], count=6, max_hops=6) == []
    # one server with plans is nothing to join
    assert joined_pairs({"a": a, "b": []}, ["a", "b"], count=6, max_hops=6) == []


def _joined(read_binds_on_b: bool = False) -> tuple[Chain, Grounded]:
    """Part a: create (0), write (1), read (2) of what 1 made; part b: create (3), write (4) into 3's id, read (5)."""
    specs = [("a", "create", {}, []), ("a", "write", {"id": "step[0]:id=(\\d+)"}, [0]),
             ("a", "read", {"id": "step[0]:id=(\\d+)"}, [1]), ("b", "create", {}, []),
             ("b", "write", {"id": "step[3]:id=(\\d+)"}, [3]),
             ("b", "read", {"id": "step[2]:id=(\\d+)" if read_binds_on_b else "step[3]:id=(\\d+)"}, [4])]
    chain = Chain(id="c", seed="1", steps=[ChainStep(server=s, tool=t, bindings=b, depends_on=d)
                                           for s, t, b, d in specs])
    g = Grounded(chain_id="c", steps=[GroundedStep(server=s, tool=t, arguments={}, bindings=b, depends_on=d,
                                                   outputs=["id=1", "id=1"],  # step[i]: source i
                                                   refs={p: BoundRef(source=int(v[5]), kind="id")
                                                         for p, v in b.items()})
                                      for s, t, b, d in specs])
    return chain, g


READS = [(2, StateRead(server="a", tool="read", arguments={"id": "1"})),
         (5, StateRead(server="b", tool="read", arguments={"id": "1"}))]


def test_a_joined_chain_too_long_leaves_out_the_first_parts_read_and_renumbers_what_follows():
    chain, g = _joined()
    c5, g5 = trimmed(chain, g, READS, max_hops=5)
    assert [(s.server, s.tool) for s in g5.steps] == [("a", "create"), ("a", "write"), ("b", "create"),
                                                      ("b", "write"), ("b", "read")]
    assert [s.tool for s in c5.steps] == [s.tool for s in g5.steps]
    assert [s.bindings for s in g5.steps[3:]] == [{"id": "step[2]:id=(\\d+)"}] * 2
    assert [s.depends_on for s in g5.steps] == [[], [0], [], [2], [3]]
    assert [r.source for s in g5.steps for r in s.refs.values()] == [0, 2, 2]
    assert [s.depends_on for s in c5.steps] == [s.depends_on for s in g5.steps]


def test_a_joined_chain_is_kept_whole_when_it_fits_or_a_part_has_no_state_read_or_a_later_step_uses_the_read():
    chain, g = _joined()
    assert trimmed(chain, g, READS, max_hops=6) == (chain, g)  # fits
    assert trimmed(chain, g, [(2, None), READS[1]], max_hops=5) == (chain, g)  # its change would go unchecked
    assert trimmed(chain, g, READS, max_hops=4) == (chain, g)  # still too long: the hops filter says so
    chain, g = _joined(read_binds_on_b=True)
    assert trimmed(chain, g, READS, max_hops=5) == (chain, g)  # b's read takes an id from a's read
