"""Large-toolset mode: what each mode offers, the provider cap, search_tools, and the metrics it records."""

from __future__ import annotations

import json
import math
from typing import Any

import anyio
import pytest

from judges.toolset import toolset_metrics, without_meta_calls
from mcpbench.catalog import Catalog, ToolEntry
from mcpbench.models.base import ToolSpec
from mcpbench.toolsets import (
    PROVIDER_TOOL_CAPS,
    CapExceeded,
    Toolset,
    ToolsetToolbox,
    check_cap,
    tool_list_tokens,
)
from mcpbench.trajectory import OfferedTools, RequestedCall, ToolCallEvent, ToolsetRecord, Trajectory
from task_synth.task import ReferenceStep, Task

OBJ = {"type": "object", "properties": {"x": {"type": "string"}}}


def entry(server: str, name: str, description: str) -> ToolEntry:
    return ToolEntry(server=server, name=name, description=description, input_schema=OBJ)


class FleetTools:
    """The episode's tools as EpisodeTools gives them; records the calls that reach the fleet."""

    def __init__(self, entries: list[ToolEntry]):
        self._entries = Catalog(entries).entries()
        self.reached: list[str] = []

    def entries(self) -> list[ToolEntry]:
        return self._entries

    async def call(self, call: RequestedCall, *, turn: int) -> ToolCallEvent:
        self.reached.append(call.name)
        server, _, tool = call.name.partition("__")
        return ToolCallEvent(turn=turn, call_id=call.id, exposed_name=call.name, server=server, tool=tool,
                             arguments=call.arguments, outcome="ok", content="done")


FLEET = [
    entry("clock", "convert_time", "Convert a time between two time zones."),
    entry("clock", "get_current_time", "The current time in a time zone."),
    entry("files", "read_file", "Read the contents of a file."),
    entry("files", "write_file", "Write text to a file, replacing it."),
    entry("maths", "calculate", "Evaluate an arithmetic expression."),
]


def call(name: str, **args: Any) -> RequestedCall:
    return RequestedCall(id=f"c-{name}", name=name, arguments=args)


def test_the_tool_list_token_estimate_is_a_quarter_of_its_canonical_json_bytes():
    spec = ToolSpec(name="a__b", description="hi", input_schema={"type": "object"})
    blob = '[{"description":"hi","input_schema":{"type":"object"},"name":"a__b"}]'
    assert len(blob) == 69 and tool_list_tokens([spec]) == 18  # ceil(69 / 4)
    assert tool_list_tokens([]) == 0
    assert tool_list_tokens([ToolSpec(name="x", description="é", input_schema={})]) == math.ceil(
        len('[{"description":"é","input_schema":{},"name":"x"}]'.encode()) / 4)


def test_task_mode_offers_the_episodes_tools_unchanged_and_records_each_request():
    fleet = FleetTools(FLEET[:2])
    box = ToolsetToolbox(fleet, Toolset(), model="openai/gpt-4o", task_servers=["clock"])
    first, second = box.tool_specs(), box.tool_specs()
    assert [s.name for s in first] == ["clock__convert_time", "clock__get_current_time"] == [s.name for s in second]
    assert box.record.requests == [OfferedTools(tools=2, tokens=tool_list_tokens(first))] * 2
    assert box.record.withheld == []


def test_all_mode_over_the_cap_is_refused_unless_truncation_is_asked_for():
    assert PROVIDER_TOOL_CAPS["openai"] == 128
    with pytest.raises(CapExceeded, match="at most 128"):
        check_cap(Toolset(mode="all"), "openai/gpt-4o", 129)
    check_cap(Toolset(mode="all"), "openai/gpt-4o", 128)
    check_cap(Toolset(mode="all"), "anthropic/claude-sonnet-4", 5000)  # no documented count limit
    check_cap(Toolset(mode="all", on_cap="truncate"), "openai/gpt-4o", 500)
    with pytest.raises(CapExceeded):
        check_cap(Toolset(mode="all", cap=3), "local/qwen2.5-coder-1.5b", 4)


def test_truncation_keeps_the_task_servers_tools_first_and_withheld_tools_cannot_be_called():
    fleet = FleetTools(FLEET)
    box = ToolsetToolbox(fleet, Toolset(mode="all", cap=3, on_cap="truncate"), model="m/x", task_servers=["maths"])
    offered = [s.name for s in box.tool_specs()]
    assert offered == ["maths__calculate", "clock__convert_time", "clock__get_current_time"]
    assert box.record.withheld == ["files/read_file", "files/write_file"]
    refused = anyio.run(lambda: box.call(call("files__read_file", x="a"), turn=1))
    assert refused.outcome == "model_error" and refused.error_kind == "unknown_tool"
    assert anyio.run(lambda: box.call(call("maths__calculate", x="1"), turn=1)).outcome == "ok"
    assert fleet.reached == ["maths__calculate"]


def test_retrieval_offers_only_search_tools_until_a_search_finds_tools_which_then_become_callable():
    fleet = FleetTools(FLEET)
    box = ToolsetToolbox(fleet, Toolset(mode="retrieval", ranker="bm25", top_k=2), model="m/x", task_servers=["clock"])
    assert [s.name for s in box.tool_specs()] == ["search_tools"]
    early = anyio.run(lambda: box.call(call("clock__convert_time", x="a"), turn=1))
    assert early.error_kind == "unknown_tool" and "search_tools first" in (early.error or "")
    found = anyio.run(lambda: box.call(call("search_tools", query="convert a time between time zones"), turn=1))
    assert found.outcome == "ok" and found.server == "mcpbench" and found.tool == "search_tools"
    payload = json.loads(found.content)
    assert payload["tools"][0]["name"] == "clock__convert_time"
    assert payload["tools"][0]["parameters"] == OBJ
    assert [s.name for s in box.tool_specs()][:2] == ["search_tools", "clock__convert_time"]
    assert anyio.run(lambda: box.call(call("clock__convert_time", x="a"), turn=2)).outcome == "ok"
    assert box.record.found[0] == "clock/convert_time" and box.record.searches[0].query.startswith("convert")
    assert fleet.reached == ["clock__convert_time"]
    assert [r.tools for r in box.record.requests] == [1, 3]
    assert box.ever_offered[:2] == ["search_tools", "clock__convert_time"]


def test_search_tools_with_a_bad_query_is_the_models_error():
    box = ToolsetToolbox(FleetTools(FLEET), Toolset(mode="retrieval", ranker="bm25"), model="m/x", task_servers=[])
    bad = anyio.run(lambda: box.call(call("search_tools", query="  "), turn=1))
    assert bad.outcome == "model_error" and bad.error_kind == "invalid_arguments"


def test_found_tools_beyond_the_cap_evict_the_earliest_found():
    fleet = FleetTools(FLEET)
    box = ToolsetToolbox(fleet, Toolset(mode="retrieval", ranker="bm25", top_k=1, cap=2), model="m/x",
                         task_servers=[])
    anyio.run(lambda: box.call(call("search_tools", query="read the contents of a file"), turn=1))
    anyio.run(lambda: box.call(call("search_tools", query="evaluate an arithmetic expression"), turn=2))
    assert [s.name for s in box.tool_specs()] == ["search_tools", "maths__calculate"]
    assert box.record.withheld == ["files/read_file"]
    assert box.record.found == ["files/read_file", "maths/calculate"]


def _task(*steps: tuple[str, str]) -> Task:
    return Task(id="t", servers=sorted({s for s, _ in steps}), precise="p", fuzzy="f", checks=[],
                reference=[ReferenceStep(server=s, tool=t, arguments={}, output="") for s, t in steps])


def _traj(record: ToolsetRecord, events: list[Any] | None = None) -> Trajectory:
    return Trajectory(episode_id="e", task_id="t", model="m/x", prompt="f", toolset=record, events=events or [])


def test_retrieval_recall_and_tool_list_tokens_match_a_hand_computed_episode():
    # reference tools R = {clock/convert_time, files/read_file} (the repeated step counts once)
    task = _task(("clock", "convert_time"), ("files", "read_file"), ("clock", "convert_time"))
    record = ToolsetRecord(mode="retrieval", requests=[OfferedTools(tools=1, tokens=60),
                                                       OfferedTools(tools=4, tokens=300)],
                           found=["clock/convert_time", "clock/get_current_time", "maths/calculate"])
    m = toolset_metrics(task, _traj(record))
    assert m is not None
    assert (m.reference_tools, m.found_reference, m.retrieval_recall) == (2, 1, 0.5)
    assert (m.requests, m.tool_list_tokens, m.tool_list_tokens_per_request, m.max_tools_offered) == (2, 360, 180.0, 4)
    all_mode = toolset_metrics(task, _traj(ToolsetRecord(mode="all", requests=[OfferedTools(tools=5, tokens=500)])))
    assert all_mode is not None and all_mode.retrieval_recall is None and all_mode.tool_list_tokens == 500
    assert toolset_metrics(task, Trajectory(episode_id="e", task_id="t", model="m/x", prompt="f")) is None


def test_search_tools_calls_are_left_out_of_the_fleet_call_metrics():
    events = [ToolCallEvent(turn=1, call_id="1", exposed_name="search_tools", server="mcpbench", tool="search_tools",
                            outcome="ok"),
              ToolCallEvent(turn=2, call_id="2", exposed_name="clock__convert_time", server="clock",
                            tool="convert_time", outcome="ok")]
    traj = _traj(ToolsetRecord(mode="retrieval"), events)
    assert [e.exposed_name for e in without_meta_calls(traj).tool_calls()] == ["clock__convert_time"]
    assert len(traj.tool_calls()) == 2  # the stored trajectory keeps them


def test_search_tools_with_the_default_hybrid_ranker_finds_a_tool_by_meaning():
    """The real all-mpnet-base-v2 encoder (fetched on first use) behind the default ranker of --tools retrieval."""
    box = ToolsetToolbox(FleetTools(FLEET), Toolset(mode="retrieval", top_k=2), model="m/x", task_servers=[])
    found = anyio.run(lambda: box.call(call("search_tools", query="what hour is it in Tokyo right now"), turn=1))
    names = [t["name"] for t in json.loads(found.content)["tools"]]
    assert "clock__get_current_time" in names and len(names) == 2
    assert box.record.searches[0].results == [n.replace("__", "/") for n in names]
