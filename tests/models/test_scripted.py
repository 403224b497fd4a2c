"""scripted/<path>, scripted/do-nothing, scripted/oracle, and name resolution through the registry."""

from __future__ import annotations

import pytest

from mcpbench.models import get_provider, known_providers
from mcpbench.models.base import Message, ModelError, ModelRequest
from mcpbench.models.scripted import DO_NOTHING_ANSWER, OracleProvider, ScriptedProvider, load_script, plan_waves
from mcpbench.trajectory import RequestedCall
from task_synth.task import Check, ReferenceStep, Task

pytestmark = pytest.mark.anyio

SCRIPT_YAML = """\
latency_s: 0
turns:
  - text: looking
    tool_calls:
      - {server: time, tool: get_current_time, arguments: {timezone: UTC}}
      - {name: calc__add, raw_arguments: '{"a": '}
    usage: {input_tokens: 3, output_tokens: 4}
  - text: done
"""


def ask(*assistant_turns: int) -> ModelRequest:
    msgs = [Message(role="user", content="q")]
    for _ in assistant_turns:
        msgs.append(Message(role="assistant", content="..."))
    return ModelRequest(messages=msgs)


async def test_a_yaml_script_plays_its_turns_in_order_then_is_exhausted(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(SCRIPT_YAML)
    provider = get_provider(f"scripted/{path}")
    assert isinstance(provider, ScriptedProvider) and provider.name == f"scripted/{path}"
    first = await provider.complete(ask())
    assert first.text == "looking" and (first.usage.input_tokens, first.usage.output_tokens) == (3, 4)
    assert [(c.id, c.name, c.arguments, c.raw_arguments) for c in first.tool_calls] == [
        ("call_1_0", "time__get_current_time", {"timezone": "UTC"}, None), ("call_1_1", "calc__add", None, '{"a": ')]
    assert (await provider.complete(ask(1))).text == "done"
    with pytest.raises(ModelError, match="script exhausted"):
        await provider.complete(ask(1, 2))


def test_a_bad_script_is_rejected_with_its_file_name(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("turns:\n  - tool_calls: [{arguments: {}}]\n")
    with pytest.raises(ValueError, match=r"bad\.yaml"):
        load_script(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_script(tmp_path / "missing.json")


async def test_do_nothing_answers_at_once_without_calls():
    provider = get_provider("scripted/do-nothing")
    resp = await provider.complete(ask())
    assert resp.text == DO_NOTHING_ANSWER and resp.tool_calls == []


def test_unknown_providers_and_bad_names_get_clear_errors():
    assert {"openai", "anthropic", "scripted"} <= set(known_providers())
    with pytest.raises(ValueError, match=r"unknown model provider 'nope'.*known: .*anthropic.*openai.*scripted"):
        get_provider("nope/model")
    with pytest.raises(ValueError, match="provider/model"):
        get_provider("gpt-4o")
    with pytest.raises(TypeError, match="temperature"):
        get_provider("scripted/do-nothing", temperature=0.1)


def test_the_official_endpoint_without_a_key_is_refused_but_a_local_base_url_gets_a_placeholder(monkeypatch):
    for var in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="OPENAI_API_KEY"):
        get_provider("openai/gpt-4o")
    with pytest.raises(ValueError, match="ANTHROPIC_API_KEY"):
        get_provider("anthropic/claude-haiku-4-5")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    provider = get_provider("openai/qwen")
    assert provider.name == "openai/qwen" and provider.endpoint == "http://127.0.0.1:9/v1"


def task(reference: list[ReferenceStep], answer: str = "42") -> Task:
    return Task(id="t1", servers=["a"], precise="p", fuzzy="f", checks=[Check(kind="contains", value=answer)],
                reference=reference, answer=answer)


def step(tool: str, deps: list[int] | None = None, bindings: dict[str, str] | None = None, **args) -> ReferenceStep:
    return ReferenceStep(server="srv", tool=tool, arguments=args, depends_on=deps or [], bindings=bindings or {})


def test_independent_consecutive_steps_share_a_turn_and_dependent_ones_wait():
    t = task([step("a"), step("b"), step("c", deps=[0]), step("d", bindings={"x": "step[2]:(\\d+)"}), step("e"),
              step("f", bindings={"q": "template:SELECT {{step[4]:(\\w+)}}"})])
    assert plan_waves(t) == [[0, 1], [2], [3, 4], [5]]
    assert plan_waves(t, parallel=False) == [[0], [1], [2], [3], [4], [5]]


def tool_result(call_id: str, content: str) -> Message:
    return Message(role="tool", call_id=call_id, content=content)


async def test_the_oracle_replays_the_reference_chain_filling_bindings_from_live_results():
    t = task([step("create", name="n"), step("list"),
              step("get", deps=[0], bindings={"id": "step[0]:id=(\\d+)"}, id=1)], answer="the thing")
    unbound = get_provider("scripted/oracle")
    assert isinstance(unbound, OracleProvider)
    oracle = unbound.for_episode(t, {})
    msgs = [Message(role="user", content="q")]
    first = await oracle.complete(ModelRequest(messages=msgs))
    assert [(c.id, c.name, c.arguments) for c in first.tool_calls] == [
        ("oracle_0", "srv__create", {"name": "n"}), ("oracle_1", "srv__list", {})]
    msgs += [Message(role="assistant", tool_calls=first.tool_calls), tool_result("oracle_0", "made id=99"),
             tool_result("oracle_1", "[]")]
    second = await oracle.complete(ModelRequest(messages=msgs))
    assert second.tool_calls == [RequestedCall(id="oracle_2", name="srv__get", arguments={"id": 99})]
    msgs += [Message(role="assistant", tool_calls=second.tool_calls), tool_result("oracle_2", "thing")]
    final = await oracle.complete(ModelRequest(messages=msgs))
    assert final.text == "the thing" and final.tool_calls == []


async def test_a_binding_that_finds_nothing_keeps_the_grounded_argument():
    t = task([step("a"), step("b", deps=[0], bindings={"id": "step[0]:id=(\\d+)"}, id=5)])
    msgs = [Message(role="user", content="q"), Message(role="assistant"), tool_result("oracle_0", "no id here")]
    resp = await OracleProvider(task=t).complete(ModelRequest(messages=msgs))
    assert resp.tool_calls[0].arguments == {"id": 5}


async def test_the_oracle_without_a_task_is_a_model_error():
    with pytest.raises(ModelError, match="no task"):
        await OracleProvider().complete(ask())


async def test_the_oracle_fills_templates_placeholders_and_a_live_answer():
    t = task([step("list", url="${WEB_URL}/items"),
              step("query", bindings={"sql": "template:SELECT * FROM {{step[0]:table (\\w+)}}"}, sql="x")],
             answer="The table is {{step[0]:table (\\w+)}}.")
    oracle = OracleProvider(task=t, builtins={"WEB_URL": "http://127.0.0.1:8123"})
    msgs = [Message(role="user", content="q")]
    first = await oracle.complete(ModelRequest(messages=msgs))
    assert first.tool_calls[0].arguments == {"url": "http://127.0.0.1:8123/items"}
    msgs += [Message(role="assistant", tool_calls=first.tool_calls), tool_result("oracle_0", "table users (3 rows)")]
    second = await oracle.complete(ModelRequest(messages=msgs))
    assert second.tool_calls[0].arguments == {"sql": "SELECT * FROM users"}
    msgs += [Message(role="assistant", tool_calls=second.tool_calls), tool_result("oracle_1", "...")]
    final = await oracle.complete(ModelRequest(messages=msgs))
    assert final.text == "The table is users."
