"""The description-quality score on hand-scored examples, confusable pairs, token counts with the real offline
tokenizer, per-tool usability statistics, the model-graded rubric through the real OpenAI SDK, and the CI outputs
(baseline regressions, SARIF, badge). Pure and in-process: no MCP server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import anyio
import pytest

from mcpbench.catalog import ToolEntry
from mcpbench.check.ci import BaselineError, compare, load_baseline, to_badge, to_sarif
from mcpbench.check.confusable import confusable_pairs, edit_distance
from mcpbench.check.context import count_tokens, function_definition
from mcpbench.check.model import CallRecord, CheckReport, CheckResult, Handshake, Observations, StateProbe, judge
from mcpbench.check.model_grade import grade_with_model, parse_grade
from mcpbench.check.rubric import grade, grade_tool, naming_consistency
from mcpbench.check.tool_usage import NOTHING, usage_stats
from mcpbench.models.openai import OpenAIProvider
from mcpbench.testing import FakeLLM
from mcpbench.trajectory import ToolCallEvent, Trajectory
from task_synth.task import Check, ReferenceStep, Task


def tool(name: str, description: str = "", props: dict[str, Any] | None = None, **kw: Any) -> ToolEntry:
    return ToolEntry(server="s", name=name, description=description,
                     input_schema={"type": "object", "properties": props or {}}, **kw)


NUM = {"type": "number", "description": "The first addend."}
CLEAN_RAW = [
    tool("add_numbers", "Add two numbers and return the sum as text.",
         {"a": NUM, "b": {"type": "number", "description": "The second addend."}}),
    tool("echo_text", "Return the given text unchanged, for connectivity tests.",
         {"text": {"type": "string", "minLength": 1, "description": "The text to echo back."}}),
    tool("city_population", "Look up the population of a French city.",
         {"city": {"type": "string", "enum": ["Lyon", "Nice", "Paris"], "description": "The city to look up."}},
         output_schema={"type": "object"}),
]


def obs(**kw: Any) -> Observations:
    ok = Handshake(mode="auto", ok=True, protocol_version="2025-11-25", capabilities={"tools": {}})
    return Observations(**{"target": "t", "transport": "stdio", "auto": ok, "legacy": ok, **kw})


def result(o: Observations, check_id: str) -> CheckResult:
    return next(r for r in judge(o) if r.id == check_id)


# ---- the score, hand-scored ----------------------------------------------------------------------------------------
def test_the_clean_fixture_tools_score_as_computed_by_hand() -> None:
    """add_numbers: purpose 30 + usage 0 + limits 0 + parameters 25 + examples 0 (no example anywhere) +
    completeness 7.5 (43 chars) + 7.5 ('return') = 70. echo_text: the same, 70. city_population: purpose 30 +
    parameters 25 + examples 10 (enum) + completeness 7.5 (40 chars) + 7.5 (it declares an outputSchema) = 80.
    Tools 73.33; server 100 (one style, no pair, 3 tools); score round(0.8 × 73.33 + 0.2 × 100) = round(78.67)
    = 79."""
    g = grade(CLEAN_RAW)
    assert [t.score for t in g.tools] == [70, 70, 80]
    assert g.server_score == 100 and g.score == 79


def test_tools_without_descriptions_score_as_computed_by_hand() -> None:
    """Nothing described: add_numbers 0; city_population keeps examples (enum) 10 → tools 5; server 100;
    round(0.8 × 5 + 20) = 24. Completeness gives nothing to an empty description even with an outputSchema."""
    bare = [tool("add_numbers", props={"a": {"type": "number"}}),
            tool("city_population", props={"city": {"type": "string", "enum": ["Nice"]}},
                 output_schema={"type": "object"})]
    g = grade(bare)
    assert [t.score for t in g.tools] == [0, 10] and g.score == 24
    assert {f.rule for f in g.all_findings()} == {"purpose.missing", "params.undescribed", "examples.missing"}


def test_the_server_part_counts_naming_disambiguation_and_tool_count_as_computed_by_hand() -> None:
    """Names get_user (snake), listUsers (camel), ping (any style): consistency 1/2 → naming 20 of 40; one confusable
    pair among 3 tools → disambiguation 40 × (1 − 2/3) = 13.33; 3 ≤ 40 tools → count 20. Server 53.33."""
    tools = [tool("get_user", "x"), tool("listUsers", "y"), tool("ping", "z")]
    g = grade(tools, confusable=[("get_user", "listUsers")])
    assert g.server_points == {"naming": 20, "disambiguation": 13.33, "count": 20} and g.server_score == 53.33
    assert naming_consistency(["a_b", "c_d", "eF"]) == (2 / 3, {"snake": 2, "camel": 1})


def test_a_parameter_described_only_by_its_name_loses_its_share_of_the_parameter_points() -> None:
    t = tool("convert", "Convert an amount between currencies and return it. Use this for prices only; e.g. 2 EUR.",
             {"amount": {"type": "number", "description": "The amount to convert, e.g. 2.5."},
              "currency": {"type": "string", "description": "Currency."}})
    g = grade_tool(t)
    assert g.points["parameters"] == 12.5
    assert [f.line() for f in g.findings] == [(
        "convert.currency: parameter 'currency' is described only by its name → give its meaning, format or unit, "
        "and an example value [params.restates_name]")]


# ---- confusable tools ----------------------------------------------------------------------------------------------
def test_names_one_letter_apart_and_descriptions_sharing_most_words_are_flagged_with_both_names() -> None:
    tools = [tool("sin", "Compute the sine of an angle given in radians and return it."),
             tool("sinh", "Compute the hyperbolic sine of a real number and return it."),
             tool("read_document", "Read a Word document from disk and return its paragraphs as plain text lines."),
             tool("read_doc_text", "Read a Word document from disk and return its text as plain text paragraphs."),
             tool("weather", "Forecast tomorrow's weather for a city from the public forecast service.")]
    pairs = {(p.a, p.b): p for p in confusable_pairs(tools)}
    assert set(pairs) == {("sin", "sinh"), ("read_document", "read_doc_text")}
    assert "names differ by one character" in pairs[("sin", "sinh")].reasons
    assert pairs[("read_document", "read_doc_text")].line().startswith("read_document ↔ read_doc_text: descriptions "
                                                                      "share")
    assert edit_distance("kitten", "sitting") == 3


# ---- context cost --------------------------------------------------------------------------------------------------
def test_tokens_are_counted_with_the_real_cl100k_tokenizer_offline() -> None:
    assert count_tokens("hello world") == 2
    assert count_tokens("<|endoftext|>") > 1, "special tokens in descriptions are counted as text"
    definition = function_definition(CLEAN_RAW[0])
    assert json.loads(definition)["function"]["name"] == "add_numbers"
    assert 30 < count_tokens(definition) < len(definition)


def test_a_tool_list_over_the_budget_warns_and_names_the_largest_tools_and_large_outputs() -> None:
    big = [tool(f"tool_{i}", "Return the report. " + " ".join(f"word{i}x{j}" for j in range(400))) for i in range(4)]
    calls = [CallRecord(tool="tool_0", case="valid", variant="all", result="ok", bytes=50_000)]
    r = result(obs(tools=big, calls=calls), "usability.context_cost")
    assert r.status == "warn" and r.data["total_tokens"] > 5000
    assert r.details[0].startswith("tool_") and "large output: tool_0 (all) returned 50000 bytes" in r.details
    small = result(obs(tools=CLEAN_RAW), "usability.context_cost")
    assert small.status == "pass" and small.data["total_tokens"] == sum(small.data["tools"].values())


# ---- annotations (judge only; the live probes are in test_check_quality_fixtures.py) ----------------------------
def test_annotation_findings_come_from_behaviour_and_declared_hints_beat_names() -> None:
    tools = [tool("clear_unit", "x", annotations={"destructiveHint": False}),
             tool("get_archive", "x", annotations={"destructiveHint": True}),
             tool("delete_row", "x"),
             tool("peek", "x", annotations={"readOnlyHint": True, "destructiveHint": True}),
             tool("note", "x", annotations={"readOnlyHint": True})]
    probes = [StateProbe(tool="note", arguments={"n": 1}, readers=["list"], changed=["list"], first="ok", retry="ok")]
    r = result(obs(tools=tools, probes=probes), "schemas.annotations")
    assert r.status == "fail"
    assert [d.split(":")[0] for d in r.details] == ["note", "delete_row", "peek"]


# ---- usability per tool --------------------------------------------------------------------------------------------
def _task(*steps: tuple[str, dict[str, Any]]) -> Task:
    return Task(id="t", servers=["s"], precise="p", fuzzy="f", checks=[Check(kind="contains", value="x")],
                reference=[ReferenceStep(server="s", tool=n, arguments=a) for n, a in steps])


def _traj(*calls: tuple[str, dict[str, Any], str]) -> Trajectory:
    events = [ToolCallEvent(turn=1, call_id=str(i), exposed_name=f"s__{n}", server="s", tool=n, arguments=a,
                            outcome=o) for i, (n, a, o) in enumerate(calls)]
    return Trajectory(episode_id="e", task_id="t", model="m", prompt="f", events=events)  # type: ignore[arg-type]


def test_usability_statistics_bracket_the_oracle_and_the_do_nothing_model_and_record_confusions() -> None:
    task = _task(("lookup", {"city": "Paris"}), ("convert", {"amount": 2, "to": "EUR"}))
    oracle = usage_stats([(task, _traj(("lookup", {"city": "paris "}, "ok"), ("convert", {"amount": 2.0, "to": "EUR"},
                                                                                         "ok")))], "s")
    assert oracle.selection_rate == 1 and oracle.argument_accuracy == 1 and oracle.miss_rate == 0
    nothing = usage_stats([(task, _traj())], "s")
    assert nothing.selection_rate == 0 and nothing.argument_accuracy is None
    assert {u.tool: u.instead for u in nothing.tools} == {"convert": {NOTHING: 1}, "lookup": {NOTHING: 1}}
    mixed = usage_stats([(task, _traj(("search", {}, "ok"), ("convert", {"amount": 3, "to": "EUR"}, "tool_error"),
                                      ("convert", {"amount": 2, "to": "EUR"}, "ok")))], "s")
    by = {u.tool: u for u in mixed.tools}
    assert by["lookup"].instead == {"search": 1} and by["lookup"].selection_rate == 0
    assert by["convert"].argument_accuracy == 1 and by["convert"].errors == 1 and by["convert"].recovery_rate == 1
    assert mixed.selection_rate == 0.5


# ---- the model grades the rubric ------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_a_model_grades_the_same_rubric_and_unparseable_answers_stay_unscored() -> None:
    answers = [{"text": json.dumps({"purpose": 1, "usage": 0, "limitations": 0, "parameters": 1, "examples": 0,
                                    "completeness": 1})},
               {"text": "This tool looks great to me!"}]
    with anyio.fail_after(60):
        async with FakeLLM(answers) as fake:
            provider = OpenAIProvider("grader", base_url=fake.openai_base_url, api_key="x")
            try:
                g = await grade_with_model(provider, CLEAN_RAW[:2], seed=3)
            finally:
                await provider.aclose()
            sent = [r.body for r in fake.requests]
    assert g.graded == 1 and g.unscored == 1 and g.score == 70  # 30 + 25 + 15
    assert g.tools[1].score is None and g.tools[1].error and g.tools[1].error.startswith("unparseable")
    assert g.tools[0].order != sorted(g.tools[0].order) or g.tools[1].order != sorted(g.tools[1].order)
    assert sent[0].get("seed") == 3 and sent[0].get("temperature") == 0
    with pytest.raises(ValueError):
        parse_grade('{"purpose": 2}')


# ---- CI: baseline, SARIF, badge ------------------------------------------------------------------------------------
def _report(*results: tuple[str, str, list[str], dict[str, Any]]) -> CheckReport:
    return CheckReport(target="t", transport="stdio", results=[
        CheckResult(id=i, category=i.split(".")[0], status=s, summary=s, details=d, data=data)  # type: ignore[arg-type]
        for i, s, d, data in results])


def test_the_baseline_fails_only_on_what_got_worse() -> None:
    before = _report(("protocol.ping", "pass", [], {}),
                     ("robustness.hang", "fail", ["echo (all): no answer in 2s"], {}),
                     ("schemas.description_quality", "warn", [], {"score": 70, "findings": [
                         {"rule": "usage.missing", "tool": "a"}]}),
                     ("usability.context_cost", "pass", [], {"total_tokens": 1000}))
    same_but_noisy = _report(("protocol.ping", "pass", [], {}),
                             ("robustness.hang", "fail", ["echo (all): no answer in 3s"], {}),
                             ("schemas.description_quality", "warn", [], {"score": 70, "findings": [
                                 {"rule": "usage.missing", "tool": "a"}]}),
                             ("usability.context_cost", "pass", [], {"total_tokens": 1050}))
    assert compare(same_but_noisy, before).regressions == []
    worse = _report(("protocol.ping", "warn", [], {}), ("robustness.hang", "fail", ["echo (all): no answer in 2s"], {}),
                    ("schemas.description_quality", "warn", [], {"score": 64, "findings": [
                        {"rule": "usage.missing", "tool": "a"}, {"rule": "examples.missing", "tool": "b"}]}),
                    ("usability.context_cost", "pass", [], {"total_tokens": 1600}))
    got = {(c.id, c.what.split(":")[0].split(" ")[0]) for c in compare(worse, before).regressions}
    assert got == {("protocol.ping", "pass"), ("schemas.description_quality", "1"),
                   ("schemas.description_quality", "score"), ("usability.context_cost", "tool-list")}
    better = compare(before, worse)
    assert better.regressions == [] and {c.id for c in better.improvements} >= {"protocol.ping"}


def test_a_baseline_that_is_not_a_report_is_refused_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "b.json"
    bad.write_text('{"hello": 1}')
    with pytest.raises(BaselineError, match="not a `mcpbench check --json` report"):
        load_baseline(bad)
    with pytest.raises(BaselineError, match="cannot read"):
        load_baseline(tmp_path / "missing.json")


def test_sarif_has_one_rule_per_check_and_one_result_per_finding_pointing_at_the_tool() -> None:
    report = _report(("schemas.confusable_tools", "warn", ["sin ↔ sinh: names differ by one character"], {}),
                     ("protocol.ping", "pass", [], {}))
    report.tools = [__import__("mcpbench.check.model", fromlist=["ToolReport"]).ToolReport(name="sin", sha256="0")]
    sarif = json.loads(to_sarif(report, artifact="server.py"))
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and "schemas.description_quality" in {r["id"] for r in run["tool"]["driver"]
                                                                              ["rules"]}
    (res,) = run["results"]
    assert res["ruleId"] == "schemas.confusable_tools" and res["level"] == "warning"
    assert res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "server.py"
    assert res["locations"][0]["logicalLocations"] == [{"name": "sin", "kind": "function"}]


def test_the_badge_says_pass_warn_or_fail_with_the_description_score() -> None:
    ok = _report(("protocol.ping", "pass", [], {}), ("schemas.description_quality", "pass", [], {"score": 91}))
    assert "pass · 91/100" in to_badge(ok) and "#4c1" in to_badge(ok)
    bad = _report(("protocol.ping", "fail", [], {}))
    assert "1 failing" in to_badge(bad) and "#e05d44" in to_badge(bad)


def test_a_duplicated_tool_name_is_graded_once_in_listing_order() -> None:
    """Regression: the first de-duplication kept the last-listed order (a name listed twice moved to the end)."""
    from mcpbench.check.rubric import unique_tools

    a1, b, a2 = tool("a", "first"), tool("b", "bee"), tool("a", "second")
    assert [(t.name, t.description) for t in unique_tools([a1, b, a2])] == [("a", "first"), ("b", "bee")]
    assert [t.tool for t in grade([a1, b, a2]).tools] == ["a", "b"]


def test_with_embeddings_two_tools_whose_vectors_point_the_same_way_are_flagged() -> None:
    """`--embeddings` stores one unit vector per tool in the observations; the judge adds their cosine as a signal
    (lexically distinct descriptions, near-identical meaning)."""
    tools = [tool("fetch_weather", "Tomorrow's forecast for a town."),
             tool("predict_climate", "What the sky will do next day in a city."),
             tool("add", "Sum of two numbers.")]
    vectors = {"fetch_weather": [1.0, 0.0, 0.0], "predict_climate": [0.96, 0.28, 0.0], "add": [0.0, 0.0, 1.0]}
    r = result(obs(tools=tools, tool_vectors=vectors), "schemas.confusable_tools")
    assert r.status == "warn" and r.details == ["fetch_weather ↔ predict_climate: embeddings 96% alike"]
    assert r.data["embeddings"] is True and r.data["pairs"][0]["embedding"] == 0.96
    assert result(obs(tools=tools), "schemas.confusable_tools").status == "pass"


@pytest.mark.anyio
async def test_add_model_grade_attaches_the_models_grade_through_the_provider_registry(tmp_path: Path) -> None:
    """The `--model` path: a scripted model answering the rubric as JSON grades every tool; the do-nothing baseline
    answers prose, so every tool stays unscored and the score is None, not 0."""
    from mcpbench.check.model_grade import add_model_grade

    script = tmp_path / "grader.json"
    answer = {"purpose": 1, "usage": 1, "limitations": 0, "parameters": 1, "examples": 0, "completeness": 1}
    script.write_text(json.dumps([{"text": json.dumps(answer)}]))
    o = obs(tools=CLEAN_RAW)
    for model, score, graded in ((f"scripted/{script}", 80, 3), ("scripted/do-nothing", None, 0)):
        report = CheckReport(target="t", transport="stdio", results=judge(o))
        with anyio.fail_after(60):
            await add_model_grade(report, CLEAN_RAW, model, seed=1)
        quality = report.by_id("schemas.description_quality")
        assert quality.data["model"]["score"] == score and quality.data["model"]["graded"] == graded
        assert quality.details[-1].startswith(f"model {model} grades the same rubric: ")
        assert quality.status == "pass"  # the model's grade never changes the rule-based verdict
    # a model that cannot grade at all (the oracle replays tasks; it was given none) says so once, with the reason
    report = CheckReport(target="t", transport="stdio", results=judge(o))
    with anyio.fail_after(60):
        await add_model_grade(report, CLEAN_RAW, "scripted/oracle", seed=1)
    quality = report.by_id("schemas.description_quality")
    assert quality.data["model"]["graded"] == 0 and quality.status == "pass"
    assert quality.details[-1].startswith("model scripted/oracle could not grade the rubric: ")
    assert "given no task" in quality.details[-1]


def test_an_error_message_is_actionable_when_it_names_the_argument_and_only_refusals_of_working_tools_count() -> None:
    """Regression: a tool that refuses every call for another reason (a protocol feature it requires) was charged
    with a vague error message for its invalid call."""
    tools = [tool("add", "x", {"a": NUM, "b": NUM}), tool("echo", "x", {"text": {"type": "string"}}),
             tool("needs_feature", "x", {"topic": {"type": "string"}})]
    for t in tools:
        t.input_schema["required"] = list(t.input_schema["properties"])
    calls = [CallRecord(tool=n, case="valid", variant="required", result="ok") for n in ("add", "echo")]
    calls += [CallRecord(tool="needs_feature", case="valid", variant="required", result="protocol_error"),
              CallRecord(tool="add", case="invalid", variant="missing-required", result="error_result",
                         text_head="Invalid arguments: missing required argument 'A'"),
              CallRecord(tool="echo", case="invalid", variant="wrong-type:text", result="error_result",
                         text_head="Invalid input."),
              CallRecord(tool="needs_feature", case="invalid", variant="missing-required", result="protocol_error",
                         error="requires task augmentation")]
    r = result(obs(tools=tools, calls=calls), "usability.error_messages")
    assert r.status == "warn" and r.data == {"vague": 1, "refused": 2}
    assert r.details == ["echo (wrong-type:text): the error names none of text — 'Invalid input.'"]
