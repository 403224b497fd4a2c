"""Tool naming, hashing and quarantine."""

from __future__ import annotations

import re

from mcpbench.catalog import Catalog, ToolEntry, exposed_name, tool_sha256

SAFE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def test_simple_names_are_server_double_underscore_tool():
    assert exposed_name("time", "get_current_time") == "time__get_current_time"


def test_unsafe_or_long_names_get_a_hash_suffix_and_stay_distinct_and_safe():
    a = exposed_name("my.server", "read.file")
    b = exposed_name("my_server", "read_file")
    long = exposed_name("s" * 50, "t" * 50)
    assert SAFE.fullmatch(a) and SAFE.fullmatch(long)
    assert a != b and b == "my_server__read_file"
    assert len(long) == 64


def test_exposed_names_resolve_back_to_the_real_tool():
    cat = Catalog([ToolEntry(server="my.server", name="read.file", input_schema={"type": "object"}),
                   ToolEntry(server="my_server", name="read_file", input_schema={"type": "object"})])
    for e in cat:
        back = cat.resolve(e.exposed_name)
        assert (back.server, back.name) == (e.server, e.name)


def test_the_hash_is_over_canonical_json_and_changes_with_the_description():
    d1 = {"name": "t", "description": "x", "inputSchema": {"type": "object", "properties": {"a": {"type": "string"}}}}
    d2 = {"inputSchema": {"properties": {"a": {"type": "string"}}, "type": "object"}, "description": "x", "name": "t"}
    assert tool_sha256(d1) == tool_sha256(d2)
    assert tool_sha256(d1) != tool_sha256({**d1, "description": "y"})
    # hand-computed: sha256 of the canonical string
    import hashlib

    canon = '{"description":"x","inputSchema":{"properties":{"a":{"type":"string"}},"type":"object"},"name":"t"}'
    assert tool_sha256(d1) == hashlib.sha256(canon.encode()).hexdigest()


def test_invalid_tools_are_quarantined_with_a_reason_and_the_rest_stay_usable():
    cat = Catalog([
        ToolEntry(server="s", name="ok", input_schema={"type": "object", "properties": {}}),
        ToolEntry(server="s", name="arr", input_schema={"type": "object", "properties": {"xs": {"type": "array"}}}),
        ToolEntry(server="s", name="root", input_schema={"type": "string"}),
        ToolEntry(server="s", name="bad name!", input_schema={"type": "object"}),
        ToolEntry(server="s", name="ok", input_schema={"type": "object"}),
    ])
    usable = [e.name for e in cat.entries()]
    assert usable == ["ok"]
    reasons = {e.name + ("#dup" if "duplicate" in (e.quarantined or "") else ""): e.quarantined
               for e in cat.quarantined()}
    assert "without 'items'" in reasons["arr"]
    assert "not 'object'" in reasons["root"]
    assert "naming rule" in reasons["bad name!"]
    assert "duplicate" in reasons["ok#dup"]
    assert all(SAFE.fullmatch(e.exposed_name) for e in cat.entries(include_quarantined=True))
