"""Ids that name their noun, writes that read as reads, and listed items bound to the read that takes one.

Shown on tests/synth/servers/kennel_server.py (owners and visits that all answer a bare `id`, a visit that needs the
owner's balance, a price list whose items have ids, a breed table cut at the output cap):

- a bare `id` in an output is bound into a `<noun>_id` only from a tool about that noun (an owner's id is never a
  visit's: "No such visit: own_1" before);
- an opener may need a handle another opener gives (`start_visit(owner_id, fee)` opens `visit_id` once
  `register_owner` opens `owner_id`), and is made with the optional parameters its description says it is made
  with (an owner "with a starting balance", or the visit is declined);
- verbs that move money or decide on an item (void, capture, refund, confirm, …) are writes;
- a listing's item ids and names feed, in walks, the read whose parameter they fill (list, then read one), also
  when the listing was cut at the output cap.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.artifacts import ToolGraph
from task_synth.fill import id_noun, key_regex
from task_synth.graph import build_node, is_read_only
from task_synth.handles import id_fits
from task_synth.listers import json_values, named_items
from tests.synth._baselines import synthesized, validated_and_scored

KENNEL = Path(__file__).parent / "servers" / "kennel_server.py"
STR = {"type": "string"}


def _entry(name: str, description: str, *params: str) -> ToolEntry:
    schema = {"type": "object", "required": list(params), "properties": {p: STR for p in params}}
    return ToolEntry(server="s", name=name, description=description, sha256="x", input_schema=schema)


def test_a_bare_id_is_taken_as_a_nouns_id_only_from_a_tool_about_that_noun():
    graph = ToolGraph(nodes=[build_node(e) for e in (
        _entry("open_account", "Open an account with a balance.", "name"),
        _entry("show_account", "Show an account by id.", "account_id"),
        _entry("make_invoice", "Make an invoice for an account.", "account_id"),
        _entry("show_invoice", "Show an invoice by id.", "invoice_id"),
        _entry("load", "Load a file and return a handle.", "path"),
    )])
    assert id_noun("invoice_id") == "invoice" and id_noun("lineItemId") == "line item" and id_noun("id") == ""
    assert id_fits(graph, "s", "open_account", "account_id")
    assert not id_fits(graph, "s", "open_account", "invoice_id")  # the account's id is no invoice's
    assert not id_fits(graph, "s", "show_account", "invoice_id")
    assert id_fits(graph, "s", "make_invoice", "invoice_id")
    assert id_fits(graph, "s", "load", "session_id")  # a tool about nothing an id names keeps the bare id
    assert id_fits(graph, "s", "make_invoice", "inv_id")  # a short form of the noun
    out = '{"id": "acc_1", "name": "x"}'
    assert key_regex("invoice_id", out) and key_regex("invoice_id", out, generic=False) is None
    # a field literally named for the noun comes first
    assert key_regex("account_id", '{"id": "inv_1", "account_id": "acc_1"}') == \
        r'"account_id"\s*:\s*"([^"\n]+)"'


def test_verbs_that_move_money_or_decide_on_an_item_are_writes_and_reading_names_still_read():
    for name, desc in (("void_visit", "Void a booked visit."), ("capture_payment", "Capture an authorised payment."),
                       ("refund_order", "Refund an order."), ("confirm_booking", "Confirm a booking."),
                       ("reject_change", "Reject a tracked change."), ("pause_job", "Pause a running job.")):
        assert not is_read_only(_entry(name, desc, "x")), name
    for name, desc in (("get_refund", "Retrieve a refund by id."), ("list_captures", "List captures."),
                       ("show_pins", "Show the pinned notes.")):
        assert is_read_only(_entry(name, desc, "x")), name


def test_a_listing_cut_at_the_output_cap_still_gives_the_items_of_its_longest_list():
    data = {"count": 3, "filters": {"tags": ["a", "b"]},
            "foods": [{"name": "Oat Milk", "tags": ["x"]}, {"name": "Rice"}, {"name": "Beans"}]}
    text = json.dumps(data, indent=2)[:-30] + "\n[... mcpbench: output truncated at 100 bytes; original size 300 bytes]"
    assert json_values(text) == {"foods": [{"name": "Oat Milk", "tags": ["x"]}, {"name": "Rice"}]}
    assert [v for v, _ in named_items(text, "name")] == ["Oat Milk", "Rice"]


def test_walks_that_read_a_listed_item_are_drawn_again_only_when_the_graph_allows_no_more():
    from task_synth.artifacts import BindIntent, Chain, ChainStep
    from task_synth.sampling import REBOUND, rebound

    lst = ChainStep(server="s", tool="list_visits", arguments={})
    read = ChainStep(server="s", tool="show_visit", arguments={}, depends_on=[0],
                     binds=[BindIntent(param="visit_id", kind="visit_id@s", source=0)])
    walk = Chain(id="p-c0000", steps=[lst, read], seed="1:p-c0000")
    lone = Chain(id="p-c0001", steps=[ChainStep(server="s", tool="stats", arguments={})], seed="1:p-c0001")
    more = rebound([walk, lone], 10, "p", 1)
    assert len(more) == REBOUND and all(c.steps == walk.steps for c in more)
    assert [c.id for c in more] == ["p-c0002", "p-c0003"] and more[0].seed == "1:p-c0002"  # another seed: another item
    assert rebound([walk, lone], 2, "p", 1) == []  # the walks gave enough


def kennel() -> ServerSpec:
    return ServerSpec(name="kennel", command=sys.executable, args=[str(KENNEL)], cwd="${EPISODE_DIR}", stateful=True,
                      output_cap_bytes=4096)


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_ids_bound_by_noun_openers_that_need_handles_and_listed_items_read_one_by_one(tmp_path):
    state, suite = await synthesized(kennel(), tmp_path, 10, 1)
    handles = {(h.tool, h.param): h for h in state.graph.handles}
    # the owner's id never feeds a visit's; the visit is opened after an owner made with a balance
    assert all(not (tool in ("register_owner", "show_owner") and p == "visit_id") for tool, p in handles)
    assert handles[("start_visit", "visit_id")].needs == {"owner_id": "owner_id"}
    assert all("balance" in a for a in handles[("register_owner", "owner_id")].arguments)
    assert not state.graph.node("kennel/void_visit").read_only
    edges = {(e.src.split("/")[1], e.dst.split("/")[1], e.param) for e in state.graph.edges}
    assert ("list_treatments", "show_treatment", "treatment_id") in edges
    assert ("list_breeds", "breed_facts", "name") in edges  # its output was cut at the cap
    assert ("list_treatments", "breed_facts", "name") not in edges  # a treatment's name is no breed
    tools = {t.id: [s.tool for s in t.reference] for t in suite.tasks}
    assert len(suite.tasks) >= 6, ([r.reasons for r in state.rejected][:10], tools)
    assert any(ts[:2] == ["list_treatments", "show_treatment"] for ts in tools.values()), tools
    assert any(ts[:2] == ["list_breeds", "breed_facts"] for ts in tools.values()), tools
    made = [t for t in suite.tasks if tools[t.id][:2] == ["register_owner", "start_visit"]]
    assert made and all("stateful" in t.tags for t in made), tools
    assert all("register an owner" in t.fuzzy for t in made), [t.fuzzy for t in made]
    await validated_and_scored(kennel(), suite, tmp_path)
