"""Measures and results labelled in another script (issue 19).

Pins two bugs seen on a third-party body-mass-index server written for Chinese users: its `height` and `weight`
were seeded 12 and 3 (no sense of the quantity: the index came out 0.0), and its answer "BMI值：0.0" (a Chinese
label behind a full-width colon) gave nothing to ask, so it yielded no task. Now a numeric parameter's quantity and
unit are read from its name, title, description and its line in the tool's description (task_synth.measures) and
seeded with realistic values in that unit, and 'Label：value' lines in any script are asked (task_synth.labels),
by the label's Latin words or quoted as the tool's own label. Fixture: tests/synth/servers/clinic_server.py, over
real stdio.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mcpbench.catalog import ToolEntry
from mcpbench.config import ServerSpec
from task_synth.binding import extract
from task_synth.filters import wording_problems
from task_synth.graph import ToolGraph, literal_values
from task_synth.labels import field_words, wide_labelled
from task_synth.magnitudes import PERIODS, plausible
from task_synth.measures import measure, unit_said, with_documented_measures
from task_synth.wording import action, named_value
from tests.synth._baselines import valid_tasks

SERVER = Path(__file__).parent / "servers" / "clinic_server.py"
NUM = {"type": "number"}


def test_a_unit_named_in_chinese_in_the_tools_argument_lines_sets_the_unit_of_the_values():
    doc = "计算BMI值并返回健康状况评估\n\n    参数:\n        height: 身高（米）\n        weight: 体重（千克）\n"
    entry = ToolEntry(server="s", name="calc", description=doc,
                      input_schema={"properties": {"height": {**NUM, "title": "Height"},
                                                   "weight": {**NUM, "title": "Weight"}}})
    props = with_documented_measures(entry).input_schema["properties"]
    assert props["height"]["description"] == "身高（米）"
    h, w = measure("height", props["height"]), measure("weight", props["weight"])
    assert h is not None and (h.quantity, h.unit.symbol, h.stated) == ("height", "m", True)
    assert w is not None and (w.unit.symbol, w.stated) == ("kg", True)
    assert all(1.5 <= v <= 2.0 for v in plausible("height", props["height"]))
    assert all(50 <= v <= 100 for v in plausible("weight", props["weight"]))
    # '厘米' (centimetres) is not read as '米' (metres)
    assert all(150 <= v <= 200 for v in plausible("height", {**NUM, "description": "身高（厘米）"}))


def test_units_in_english_names_and_descriptions_convert_the_typical_values():
    assert all(150 <= v <= 200 for v in plausible("height_cm", {"type": "integer"}))
    assert all(isinstance(v, int) for v in plausible("height_cm", {"type": "integer"}))
    assert all(110 <= v <= 220 for v in plausible("weight", {**NUM, "description": "Body weight in pounds"}))
    assert all(50 <= v <= 90 for v in plausible("temp_f", NUM))
    assert all(280 <= v <= 310 for v in plausible("temperature", {**NUM, "description": "Temperature in kelvin"}))
    assert all(1 <= v <= 80 for v in plausible("distance", {**NUM, "description": "Distance in miles"}))
    assert unit_said("speed_mph", NUM) == "mph"
    assert plausible("width_mm", NUM) == [210, 45, 12, 297, 85]  # a unit with no quantity: everyday millimetres


def test_with_no_unit_named_the_schema_bounds_or_default_choose_the_unit_else_the_conventional_one():
    assert all(150 <= v <= 200 for v in plausible("height", NUM))  # centimetres by default
    assert unit_said("height", NUM) == ""  # an assumed unit is never claimed in a request
    metres = {**NUM, "minimum": 0.5, "maximum": 3}
    assert all(1.5 <= v <= 2.0 for v in plausible("height", metres)) and unit_said("height", metres) == "m"
    assert all(1.5 <= v <= 2.0 for v in plausible("height", {**NUM, "default": 1.7}))
    assert all(150 <= v <= 200 for v in plausible("height", {**NUM, "default": 170}))
    assert all(18 <= v <= 65 for v in plausible("age", {"type": "integer"}))


def test_the_schema_bounds_still_decide_which_values_are_sent():
    graph = ToolGraph()
    assert literal_values(graph, "number", {**NUM, "minimum": 0, "maximum": 1}, "s", "weight") == [0, 0.5, 1]
    assert literal_values(graph, "number", {**NUM, "minimum": 60, "maximum": 70}, "s", "weight") == [68]
    assert literal_values(graph, "number", {"type": "integer", "maximum": 40}, "s", "age") == [34, 27, 19]


def test_names_that_only_mention_a_measure_are_not_seeded_as_one():
    for name in ("price_per_kg", "weight_factor", "bmi_index", "age_count", "cache_max_age"):
        assert measure(name, NUM) is None, name
    assert measure("length", {"type": "integer", "description": "密码长度"}) is None  # a password's length
    assert measure("temperature", {**NUM, "description": "Sampling temperature of the model"}) is None
    assert measure("speed", {**NUM, "description": "Playback speed multiplier"}) is None
    assert measure("weight", {**NUM, "description": "Relative weight of the term"}) is None
    assert measure("a", {**NUM, "description": "第一个数字"}) is None
    assert plausible("term_years", NUM) == list(PERIODS["year"])  # years alone stay a period
    assert plausible("tolerance", {**NUM, "description": "Tolerance in metres"})  # a unit makes a measure


def test_a_measure_is_said_with_the_unit_its_parameter_names():
    assert named_value("height", "1.62", "身高（米）") == "a height of 1.62 m"
    assert named_value("temperature", "70.7", "Temperature in Fahrenheit") == "a temperature of 70.7°F"
    assert named_value("height", "175", "") == "a height of 175"  # no unit named, none said


def test_an_acronym_the_description_writes_in_capitals_keeps_them_in_the_action_from_the_tools_name():
    assert action("计算BMI值并返回健康状况评估", "calculate_bmi").imperative() == "calculate BMI"


def test_a_chinese_label_behind_a_full_width_colon_is_asked_by_its_latin_words():
    raw = "BMI值：22.9\n健康状况：正常"
    ask, rx = wide_labelled(raw, set(), {"height": 1.75, "weight": 70}) or (None, "")
    assert ask is not None and ask.check == "numeric" and ask.fuzzy == "what the BMI is"
    assert extract(rx, raw) == "22.9"
    assert extract(rx, "BMI值：31.2\n健康状况：肥胖") == "31.2"  # the regex reads another run's value


def test_a_label_with_no_latin_words_is_quoted_and_fields_of_one_line_are_split_at_bars():
    raw = "📊 字符: 80 | 单词: 12 | 行数: 1"
    ask, rx = wide_labelled(raw, set(), {"text": "x"}) or (None, "")
    assert ask is not None and ask.fuzzy == 'what figure it gives for "字符"' and extract(rx, raw) == "80"
    text = wide_labelled("健康状况：体重过轻", set(), {})
    assert text is not None and text[0].check == "contains" and text[0].fuzzy == 'what it says for "健康状况"'
    assert field_words("Base64 编码") == ("base64", False)
    assert field_words("JSON 字符串长度") == ('"JSON 字符串长度"', True)  # the Latin word is not what it is


def test_a_label_that_gives_back_an_input_and_ascii_labels_are_left_to_the_ascii_reader():
    assert wide_labelled("身高：1.75", set(), {"height": 1.75}) is None
    assert wide_labelled("Total: 15", set(), {}) is None
    assert wide_labelled("Total：15", set(), {}) is not None  # a full-width colon is a wide label


def test_the_wording_rule_accepts_a_label_quoted_as_the_tools_own_but_not_a_bare_one():
    quoted = 'Could you count the characters, and tell me what figure it gives for "字符"?'
    assert wording_problems(quoted, {'"字符"'}) == []
    assert wording_problems("Could you tell me what 字符 is?", {'"字符"'})


def test_a_server_of_measures_answering_in_chinese_yields_verified_tasks_with_realistic_values(tmp_path):
    spec = ServerSpec(name="clinic", command=sys.executable, args=[str(SERVER)])
    tasks = valid_tasks(spec, tmp_path / "clinic.jsonl", n=8, seed=3)
    tools = {s["tool"] for t in tasks for s in t["reference"]}
    assert len(tasks) >= 5 and tools == {"compute_bmi", "trip_duration", "heart_rate_zone"}, tools
    calls = [s for t in tasks for s in t["reference"]]
    for s in calls:  # the server refuses unrealistic values, so every call took realistic ones
        a = s["arguments"]
        if s["tool"] == "compute_bmi":
            assert 150 <= a["height"] <= 200 and 50 <= a["weight"] <= 100, a
        if s["tool"] == "trip_duration":
            assert 1 <= a["distance"] <= 200 and 20 <= a["speed"] <= 130, a
        if s["tool"] == "heart_rate_zone":
            assert 18 <= a["age"] <= 65, a
    bmi = [t for t in tasks if t["reference"][-1]["tool"] == "compute_bmi"]
    assert bmi and all("what the BMI is" in t["fuzzy"] and re.search(r"\d+ cm\b.*\d+ kg\b", t["fuzzy"])
                       for t in bmi), [t["fuzzy"] for t in bmi]
    for t in tasks:  # words in another script only inside quotes, as the tool's own label
        assert not re.search(r"[\u4e00-\u9fff]", re.sub(r'"[^"]*"', "", t["fuzzy"])), t["fuzzy"]
        assert t["checks"] and t["checks"][0]["kind"] == "numeric"
