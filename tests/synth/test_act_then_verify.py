"""Writes that take no content give stateful tasks: act on the store, then read what changed (actions.py).

Shown on tests/synth/servers/shop_server.py: a shop whose catalogue starts full, a cart the caller names, placing
the order decrements stock and answers an order id, and a board whose cards move between columns. No write takes a
text or rows, so seeding writes nothing; before actions.py the server gave read-only tasks only (0 % stateful).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from task_synth.actions import (
    appeared,
    changed,
    chosen_id,
    field_words,
    leaves,
    made_here,
    shown,
    value_regex,
)
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

SHOP = Path(__file__).parent / "servers" / "shop_server.py"


def test_the_first_field_that_changed_is_the_change():
    before = json.dumps({"product_id": "SKU-1001", "stock_qty": 42, "in_stock": True})
    after = json.dumps({"product_id": "SKU-1001", "stock_qty": 41, "in_stock": True})
    assert changed(before, after) == ("stock_qty", 42, 41)
    assert changed(before, before) is None


def test_a_field_that_appears_is_a_change_and_one_that_differs_on_every_read_is_not():
    before = json.dumps({"id": "CARD-1", "column": "todo", "read_at": 17, "tags": []})
    again = json.dumps({"id": "CARD-1", "column": "todo", "read_at": 18, "tags": []})
    after = json.dumps({"id": "CARD-1", "column": "todo", "read_at": 19, "tags": ["urgent"]})
    assert changed(before, after, again) == ("tags", None, "urgent")
    assert changed(before, json.dumps({"id": "CARD-1", "column": "todo", "read_at": 19, "tags": []}), again) is None
    stamped = json.dumps({"status": "open", "updated": "2026-12-07T11:50:00Z"})
    assert changed(stamped, json.dumps({"status": "open", "updated": "2026-12-07T11:51:00Z"})) is None


def test_moments_and_yes_no_fields_are_not_the_change():
    before = json.dumps({"id": "ch_1", "created": 1765100000, "refunded": False, "amount_refunded": 0})
    after = json.dumps({"id": "ch_1", "created": 1765100042, "refunded": True, "amount_refunded": 1250})
    assert changed(before, after) == ("amount_refunded", 0, 1250)
    assert appeared(json.dumps({"id": "ch_2", "created": 1765100000, "amount": 12}), []) == ("amount", None, 12)


def test_an_id_an_earlier_write_answered_is_left_to_the_agent_and_a_chosen_one_is_said():
    from types import SimpleNamespace

    from mcpbench.catalog import ToolEntry

    def entry(name: str, desc: str) -> ToolEntry:
        return ToolEntry(server="s", name=name, description=desc, input_schema={})

    tools = {"create_customer": entry("create_customer", "Create a customer."),
             "create_charge": entry("create_charge", "Charge a customer's card."),
             "get_customer": entry("get_customer", "Get a customer by id."),
             "add_to_cart": entry("add_to_cart", "Add a product to a cart."),
             "place_order": entry("place_order", "Place the order for a cart.")}
    state = SimpleNamespace(entry=lambda server, tool: tools.get(tool))

    def step(tool: str, args: dict, bindings: dict | None = None) -> SimpleNamespace:
        return SimpleNamespace(server="s", tool=tool, arguments=args, bindings=bindings or {})

    made = SimpleNamespace(steps=[step("create_customer", {"name": "Ana"}),
                                  step("create_charge", {"customer_id": "cus_x1", "amount": 12},
                                       {"customer_id": "step[0]:$.id"}),
                                  step("get_customer", {"customer_id": "cus_x1"}, {"customer_id": "step[0]:$.id"})])
    assert made_here(made, state) == [set(), {"customer_id"}, {"customer_id"}]
    chosen = SimpleNamespace(steps=[step("add_to_cart", {"cart_id": "cart-123", "product_id": "SKU-1"}),
                                    step("place_order", {"cart_id": "cart-123"}, {"cart_id": "step[0]:$.cart_id"})])
    assert made_here(chosen, state) == [set(), set()]  # the cart id was given first: it is said


def test_a_figure_named_by_a_participle_is_the_amount_it_counts():
    assert field_words("refunded", 1250) == "amount refunded"
    assert field_words("stock_qty", 41) == "stock qty"
    assert field_words("status", "refunded") == "status"
    assert field_words("speed", 3) == "speed"


def test_key_value_lines_are_compared_when_the_output_is_not_json():
    assert leaves("Status: open\nOwner: Ana") == [("Status", "open"), ("Owner", "Ana")]
    assert changed("Status: open\nOwner: Ana", "Status: done\nOwner: Ana") == ("Status", "open", "done")


def test_an_output_that_is_one_value_is_the_field_that_changed():
    assert leaves("white") == [("", "white")] and leaves("3") == [("", 3)]
    assert changed("white", "black\n") == ("", "white", "black")
    assert changed("3", "2") == ("", 3, 2)
    assert value_regex("", "black", "black\n") is not None and value_regex("", "black", "white") is None
    assert shown(value_regex("", 2, "2") or "", "2") == "2"
    assert leaves("Moved the card.\nIt is now in the done column, with two others.") == []  # prose is no value


def test_a_new_item_is_asked_by_its_first_figure_that_is_no_id():
    out = json.dumps({"order_id": "ORD-00000001", "status": "placed", "total": 89.9})
    assert appeared(out, ["cart-1"]) == ("total", None, 89.9)
    rx = value_regex("total", 89.9, out)
    assert rx is not None and re.search(rx, out).group(1) == "89.9"
    assert shown(rx, out) == '"total": 89.9'
    assert value_regex("total", 12, out) is None  # the regex must read the value found


def test_an_id_the_caller_chooses_is_the_description_s_example():
    from mcpbench.catalog import ToolEntry

    schema = {"type": "object", "required": ["cart_id", "product_id"], "properties": {
        "cart_id": {"type": "string", "description": "Client-generated cart handle, e.g. cart-123"},
        "product_id": {"type": "string", "description": "The product to add"}}}
    entry = ToolEntry(server="s", name="add_to_cart", description="Add to a cart.", input_schema=schema)
    assert chosen_id(entry, "cart_id") == "cart-123"
    assert chosen_id(entry, "product_id") is None


@pytest.mark.anyio
@pytest.mark.timeout(1500)
async def test_writes_that_take_no_content_are_acted_on_then_verified(tmp_path):
    spec = stateful_fixture("shop", SHOP)
    state, suite = await synthesized(spec, tmp_path, 10, 1)
    acted = [t for t in suite.tasks if "acted" in t.tags]
    assert len(acted) >= 3, [(r.id, r.reasons) for r in state.rejected][:12]
    tools = {e.name for e in state.entries}
    for t in acted:
        assert {"stateful", "final-state"} <= set(t.tags)
        names = [s.tool for s in t.reference]
        write = next(i for i, n in enumerate(names) if n in ("place_order", "move_card"))
        assert write < len(names) - 1 and names[-1] in ("check_inventory", "get_order_details", "get_card",
                                                        "open_card_count")
        state_checks = [c for c in t.checks if c.kind == "state"]
        assert state_checks and all(c.read is not None and c.read.tool == names[-1] for c in state_checks)
        assert any(k in str(c.value) for c in state_checks for k in ("stock_qty", "column", "total")) or \
            names[-1] == "open_card_count", state_checks
        assert not any(re.search(rf"\b{n}\b", t.fuzzy) for n in tools), t.fuzzy
        ref_args = [str(v) for s in t.reference[:write + 1] for v in s.arguments.values()]
        for v in ("cart-123", "SKU-100", "CARD-"):  # the values the agent needs are said
            if any(a.startswith(v) for a in ref_args):
                assert v in t.fuzzy, t.fuzzy
    assert any("stock qty of product SKU-" in t.fuzzy for t in acted), [t.fuzzy for t in acted]
    # a read whose whole output is the value (a bare count) is asked what its description says it tells
    counted = [t for t in acted if t.reference[-1].tool == "open_card_count"]
    assert counted and all("tell me how many cards are not done yet?" in t.fuzzy for t in counted), \
        [t.fuzzy for t in acted]
    assert all(c.value == "2" for t in counted for c in t.checks if c.kind == "state"), counted
    await validated_and_scored(spec, suite, tmp_path)
