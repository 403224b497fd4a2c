"""The fleet against real stdio subprocess servers: concurrency, deadlines, isolation, typed outcomes."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import anyio
import pytest

from mcpbench.fleet import Fleet
from mcpbench.process import NETWORK_ENV
from mcpbench.trajectory import RequestedCall

pytestmark = pytest.mark.anyio
HERE = Path(__file__).parent / "servers"


async def test_a_dead_or_hanging_server_never_blocks_the_others(toy_spec, tmp_path):
    specs = [toy_spec("good"),
             toy_spec("missing", command="/nonexistent/mcp-server"),
             toy_spec("hangs", command="sleep", args=["60"], timeouts={"connect": 3}),
             toy_spec("dies", args=[str(HERE / "toy_server.py"), "--stderr-then-exit"])]
    t0 = time.perf_counter()
    with anyio.fail_after(40):
        async with Fleet.open(specs, log_dir=tmp_path) as fleet:
            opened = time.perf_counter() - t0
            st = fleet.status
            assert st["good"].status == "connected" and st["good"].tools == 7
            assert st["missing"].status == "failed" and "not found" in st["missing"].error
            assert st["hangs"].status == "failed" and "3s connect deadline" in st["hangs"].error
            assert st["dies"].status == "failed"
            assert "missing database file" in (st["dies"].stderr_tail or "")
            out = await fleet.call("good", "add", {"a": 2, "b": 3})
            assert out.outcome == "ok" and out.content == "5"
            bad = await fleet.call("hangs", "x", {})
            assert bad.outcome == "infra_error" and bad.error_kind == "server_unavailable"
    # the hanging server is bounded by its own deadline, not stacked behind the others
    assert opened < 3 + 15


async def test_tool_errors_timeouts_and_caps_are_typed_outcomes(toy_spec):
    async with Fleet.open([toy_spec(output_cap_bytes=1000)]) as fleet:
        err = await fleet.call("toy", "boom", {})
        assert err.outcome == "tool_error"
        t0 = time.perf_counter()
        slow = await fleet.call("toy", "nap", {"seconds": 30}, timeout=1.0)
        assert slow.outcome == "infra_error" and slow.error_kind == "timeout"
        assert time.perf_counter() - t0 < 1.5
        # the session stays usable after a timeout
        assert (await fleet.call("toy", "add", {"a": 1, "b": 1})).content == "2"
        big = await fleet.call("toy", "big", {"n_bytes": 50_000})
        assert big.truncated and big.bytes == 50_000
        assert "original size 50000 bytes" in big.content and len(big.content.encode()) < 1200


async def test_a_server_killed_mid_call_is_an_infra_error_and_is_restarted(toy_spec):
    async with Fleet.open([toy_spec()]) as fleet:
        pid1 = (await fleet.call("toy", "pid", {})).content
        t0 = time.perf_counter()
        out = await fleet.call("toy", "crash", {}, timeout=20)
        assert out.outcome == "infra_error" and out.error_kind == "connection_closed"
        assert time.perf_counter() - t0 < 5
        again = await fleet.call("toy", "pid", {})
        assert again.outcome == "ok" and again.content != pid1
        assert fleet.status["toy"].restarts == 1


async def test_stateful_servers_get_a_fresh_process_and_data_per_episode(toy_spec):
    spec = toy_spec("counter", stateful=True, env={"TOY_STATE_DIR": "${EPISODE_DIR}"})
    async with Fleet.open([spec]) as fleet:
        seen = []
        for ep in ("a", "b"):
            async with fleet.episode(ep) as tools:
                first = await tools.call(RequestedCall(id="1", name="counter__bump", arguments={}), turn=1)
                second = await tools.call(RequestedCall(id="2", name="counter__bump", arguments={}), turn=1)
                pid = await tools.call_real("counter", "pid", {})
                seen.append((first.content, second.content, pid.content))
        assert [s[:2] for s in seen] == [("1", "2"), ("1", "2")]
        assert seen[0][2] != seen[1][2]


async def test_the_toolbox_classifies_model_faults_before_calling(toy_spec):
    async with Fleet.open([toy_spec()]) as fleet, fleet.episode("e") as tools:
        names = [t.name for t in tools.tool_specs()]
        assert "toy__add" in names
        unknown = await tools.call(RequestedCall(id="1", name="toy__nope", arguments={}), turn=1)
        assert (unknown.outcome, unknown.error_kind) == ("model_error", "unknown_tool")
        wrong = await tools.call(RequestedCall(id="2", name="toy__add", arguments={"a": "one", "b": 2}), turn=1)
        assert (wrong.outcome, wrong.error_kind) == ("model_error", "invalid_arguments")
        garbled = await tools.call(RequestedCall(id="3", name="toy__add", raw_arguments="{a: 1"), turn=2)
        assert (garbled.outcome, garbled.error_kind) == ("model_error", "malformed_arguments")
        good = await tools.call(RequestedCall(id="4", name="toy__add", arguments={"a": 40, "b": 2}), turn=2)
        assert (good.outcome, good.content, good.server, good.tool) == ("ok", "42", "toy", "add")


async def test_servers_receive_only_the_safe_default_env_network_config_and_what_they_declare(toy_spec, monkeypatch,
                                                                                               tmp_path):
    """Issue 17 item 5: behind a TLS-inspecting proxy a launcher needs the machine's CA bundle and proxy settings;
    an API key of ours must still never reach a server."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-123")
    monkeypatch.setenv("MY_DB", "declared-value")
    ca = tmp_path / "proxy-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))
    monkeypatch.setenv("https_proxy", "http://proxy.internal:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://user:hunter2-secret@proxy.internal:3128")
    spec = toy_spec("envdump", args=[str(HERE / "env_server.py")], env={"DB": "${MY_DB}"})
    async with Fleet.open([spec]) as fleet:
        out = await fleet.call("envdump", "environ", {})
    assert out.outcome == "ok", out.error
    env = json.loads(out.content)
    assert env.get("DB") == "declared-value"
    assert env.get("SSL_CERT_FILE") == str(ca)
    assert env.get("https_proxy") == "http://proxy.internal:3128"
    assert "OPENAI_API_KEY" not in env and "sk-canary-123" not in out.content
    assert "HTTPS_PROXY" not in env and "hunter2" not in out.content  # a proxy URL with a password is a secret
    # LC_CTYPE is added by the child Python itself (PEP 538 locale coercion)
    assert set(env) <= {"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "DB", "LC_CTYPE", *NETWORK_ENV}


async def test_a_servers_home_is_its_sandbox_unless_it_declares_one(toy_spec, monkeypatch, tmp_path):
    """Servers write usage counters, logs and pictures under ~: during a run, check or synthesis that lands in the
    run's own directory, never in the user's home. A server that needs the real home says `HOME: ${HOME}`."""
    real = tmp_path / "user-home"
    real.mkdir()
    monkeypatch.setenv("HOME", str(real))
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "mcpbench-home"))  # mcpbench's own cache is not the point
    sandboxed = toy_spec("envdump", args=[str(HERE / "env_server.py")])
    stateful = toy_spec("envdump2", args=[str(HERE / "env_server.py")], stateful=True)
    declared = toy_spec("envdump3", args=[str(HERE / "env_server.py")], env={"HOME": "${HOME}"})
    async with Fleet.open([sandboxed, stateful, declared]) as fleet:
        shared = json.loads((await fleet.call("envdump", "environ", {})).content)["HOME"]
        assert Path(shared).is_dir() and Path(shared).name == "envdump" and not Path(shared).is_relative_to(real)
        async with fleet.episode("e1", servers=["envdump2"]) as ep:
            first = json.loads((await ep.call_real("envdump2", "environ", {})).content)["HOME"]
        async with fleet.episode("e2", servers=["envdump2"]) as ep:
            second = json.loads((await ep.call_real("envdump2", "environ", {})).content)["HOME"]
        assert first != second and not Path(first).is_relative_to(real)  # each episode has its own
        assert json.loads((await fleet.call("envdump3", "environ", {})).content)["HOME"] == str(real)
    assert not Path(shared).exists()  # the fleet's directory is gone with it
    assert list(real.iterdir()) == []


async def test_concurrent_calls_share_one_session_under_the_capacity_limit(toy_spec):
    async with Fleet.open([toy_spec(max_concurrency=4)]) as fleet:
        pids = set()
        t0 = time.perf_counter()
        async with anyio.create_task_group() as tg:
            async def one() -> None:
                await fleet.call("toy", "nap", {"seconds": 0.5})
                pids.add((await fleet.call("toy", "pid", {})).content)
            for _ in range(8):
                tg.start_soon(one)
        elapsed = time.perf_counter() - t0
        assert len(pids) == 1
        # 8 naps of 0.5 s at 4 in flight: two waves (~1 s), not eight (4 s) and not one (0.5 s)
        assert 0.95 < elapsed < 3.5


async def test_shutdown_leaves_no_child_process(toy_spec):
    async with Fleet.open([toy_spec()]) as fleet:
        pid = int((await fleet.call("toy", "pid", {})).content)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    _ = sys


async def test_an_isolation_copy_the_world_lacks_fails_that_server_with_the_path_and_the_others_go_on(toy_spec):
    typo = toy_spec("typo", stateful=True, isolation={"copy": ["db/compnay.db"]})
    # a stateful server whose spec cannot be resolved is failed too, and never waited for (it used to hang the open)
    unset = toy_spec("unset", stateful=True, env={"TOKEN": "${MCPBENCH_TEST_NEVER_SET}"})
    good = toy_spec("counter", stateful=True, isolation={"copy": ["db/company.db"]},
                    env={"TOY_STATE_DIR": "${EPISODE_DIR}"})
    with anyio.fail_after(60):
        async with Fleet.open([typo, unset, good]) as fleet:
            st = fleet.status
            assert st["unset"].status == "failed" and "MCPBENCH_TEST_NEVER_SET" in st["unset"].error
            assert st["typo"].status == "failed"
            assert "isolation.copy lists 'db/compnay.db'" in st["typo"].error
            assert st["counter"].status == "connected"
            async with fleet.episode("e") as tools:
                out = await tools.call(RequestedCall(id="1", name="counter__bump", arguments={}), turn=1)
                assert out.content == "1"
