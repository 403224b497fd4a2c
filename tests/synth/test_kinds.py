"""Value kinds: parameters, values found in outputs, and references that re-read them."""

from __future__ import annotations

import re

from task_synth.kinds import find_values, is_quantity, param_kind, pick_references, reference_regex
from task_synth.normalise import clock_dependent, clock_reading, mask_live

CONVERT = """{
  "source": {"timezone": "Europe/Lisbon", "datetime": "2026-11-24T09:30:00+00:00", "day_of_week": "Tuesday"},
  "target": {"timezone": "Pacific/Auckland", "datetime": "2026-11-24T22:30:00+13:00", "day_of_week": "Tuesday"},
  "time_difference": "+13.0h"
}"""
TABLES = "[{'name': 'offices'}, {'name': 'employees'}, {'name': 'products'}]"


def test_parameters_get_kinds_from_their_names_descriptions_and_types():
    assert param_kind("timezone", {"type": "string", "description": "IANA timezone name"}) == "timezone"
    assert param_kind("source_timezone", {"type": "string"}) == "timezone"
    assert param_kind("time", {"type": "string", "description": "Time to convert in 24-hour format (HH:MM)"}) == "time"
    assert param_kind("expression", {"type": "string"}) == "expression"
    assert param_kind("query", {"type": "string", "description": "SELECT SQL query to execute"}) == "sql"
    assert param_kind("query", {"type": "string", "description": "The search query"}) == "search"
    assert param_kind("table_name", {"type": "string"}) == "table"
    assert param_kind("a", {"type": "number"}) == "number"
    assert param_kind("kind", {"type": "string", "enum": ["a", "b"]}) == "enum"
    assert param_kind("names", {"type": "array", "items": {"type": "string"}}) is None
    assert param_kind("insight", {"type": "string"}) is None


def test_times_inside_datetimes_are_found_but_utc_offsets_are_not():
    values = [v for _, _, v in find_values("time", CONVERT)]
    assert values == ["09:30", "22:30"]
    assert [v for _, _, v in find_values("timezone", CONVERT)] == ["Europe/Lisbon", "Pacific/Auckland"]


def test_only_quantities_count_as_numbers_worth_computing_with():
    assert is_quantity("84", 0, 2)
    text = "[{'cid': 3, 'COUNT(*)': 20}]"
    assert [v for _, _, v in find_values("number", text)] == ["20"]
    assert find_values("number", CONVERT) == []


def test_table_names_come_only_from_table_listings():
    assert [v for _, _, v in find_values("table", TABLES, "sqlite/list_tables")] == ["offices", "employees", "products"]
    assert find_values("table", "[{'name': 'office_id'}]", "sqlite/describe_table") == []


def test_a_reference_re_reads_the_kth_listed_value_and_survives_changed_digits():
    refs = pick_references("table", TABLES, "sqlite/list_tables")
    assert [v for v, _ in refs] == ["offices", "employees", "products"]
    for value, rx in refs:
        assert re.search(rx, TABLES, re.DOTALL).group(1) == value
    s = CONVERT.index("22:30")
    rx = reference_regex(CONVERT, s, s + 5, r"\d\d:\d\d")
    assert re.search(rx, CONVERT, re.DOTALL).group(1) == "22:30"
    other_day = CONVERT.replace("2026-11-24T22:30", "2027-01-03T23:30").replace("09:30", "10:30")
    assert re.search(rx, other_day, re.DOTALL).group(1) == "23:30"


def test_live_outputs_are_stored_as_their_shape():
    assert mask_live('{"datetime": "2026-11-24T10:31:39+09:00", "day_of_week": "Tuesday", "is_dst": false, "n": 3}') \
        == '{"datetime": "<datetime>", "day_of_week": "<weekday>", "is_dst": <bool>, "n": #}'


def test_outputs_that_mention_today_or_read_the_clock_are_recognised():
    import datetime as dt

    now = dt.datetime(2026, 11, 24, 1, 30, tzinfo=dt.UTC)
    assert clock_dependent('"datetime": "2026-11-24T09:30:00+00:00"', now)
    assert clock_dependent("as of 2026-11-23 (Auckland)", now)
    assert not clock_dependent("released 2026-10-02", now)
    assert clock_reading('"datetime": "2026-11-24T10:31:39+09:00"', now)
    assert not clock_reading('"datetime": "2026-11-24T09:30:00+00:00"', now)
    # a file's creation time when the episode's copy was just made, as a JavaScript server writes it, and RFC 2822
    assert clock_reading("created: Tue Nov 24 2026 01:29:02 GMT+0000 (Coordinated Universal Time)", now)
    assert clock_reading("Date: Tue, 24 Nov 2026 10:29:02 +0900", now)
    assert not clock_reading("modified: Mon Nov 23 2026 05:15:28 GMT+0000 (Coordinated Universal Time)", now)


def test_a_bound_number_is_named_after_the_field_it_was_read_from():
    from task_synth.kinds import field_label

    assert field_label('{"rowCount": 3}', r'"rowCount"\s*:\s*(\d+)') == "row count"
    assert field_label("[{'COUNT(*)': 20}]", r"'COUNT\(\*\)'\s*:\s*(\d+)") == "count"
    assert field_label("84", r"(\d+)") == ""


def test_an_expression_described_as_a_cron_schedule_or_a_pattern_is_not_given_arithmetic():
    from mcpbench.catalog import ToolEntry
    from task_synth.graph import seed_pools

    cron = {"type": "string", "description": "Cron expression (5 fields: min hour dom mon dow)"}
    assert param_kind("expression", cron) == "cron"
    assert param_kind("expression", {"type": "string", "description": "Math expression to evaluate"}) == "expression"
    assert param_kind("expression", {"type": "string", "description": "A regular expression to match"}) is None
    assert param_kind("expression", {"type": "string", "description": "JSONPath expression"}) is None
    entry = ToolEntry(server="s", name="next_runs", description="Next run times.", sha256="x",
                      input_schema={"type": "object", "properties": {"expression": cron}, "required": ["expression"]})
    assert seed_pools([entry], {})["cron"] and all(len(v.split()) == 5 for v in seed_pools([entry], {})["cron"])
