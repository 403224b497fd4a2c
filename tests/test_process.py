"""The process toolkit (mcpbench/process.py): the one place child processes are launched, awaited and stopped."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import anyio
import pytest

from mcpbench import process
from mcpbench.check import Target
from mcpbench.connection import Resolved
from mcpbench.process import Launch, host_port, network_env, server_env

pytestmark = pytest.mark.anyio


def test_a_url_without_a_port_means_443_for_https_and_80_for_http() -> None:
    """Issue 18 item 2: the fleet used 80 for an https URL without a port, the checker 443."""
    assert host_port("https://example.com/mcp") == ("example.com", 443)
    assert host_port("http://example.com/mcp") == ("example.com", 80)
    assert host_port("http://127.0.0.1:8123/sse") == ("127.0.0.1", 8123)


def test_the_check_target_and_the_fleets_resolution_are_one_launch_description() -> None:
    assert Target is Launch and issubclass(Resolved, Launch)
    t = Target.from_command(["srv", "--flag"], env={"API_TOKEN": "tok-123456", "MODE": "x"})
    assert (t.name, t.transport, t.argv, t.launches) == ("srv", "stdio", ["srv", "--flag"], True)
    assert t.secrets == ["tok-123456"]
    assert Target.from_url("http://h:1/sse").transport == "sse"


def test_network_config_passes_but_secrets_and_password_proxies_do_not() -> None:
    environ = {"HOME": "/h", "PATH": "/bin", "OPENAI_API_KEY": "sk-x", "SSL_CERT_FILE": "/ca.pem",
               "no_proxy": "localhost", "HTTPS_PROXY": "http://u:p@proxy:1", "http_proxy": "http://proxy:1",
               "PIP_INDEX_URL": "https://u:p@index/simple", "UNRELATED": "1"}
    assert network_env(environ) == {"SSL_CERT_FILE": "/ca.pem", "no_proxy": "localhost",
                                    "http_proxy": "http://proxy:1"}
    env = server_env({"MODE": "x", "SSL_CERT_FILE": "/own.pem"}, environ)
    assert env == {"HOME": "/h", "PATH": "/bin", "SSL_CERT_FILE": "/own.pem", "no_proxy": "localhost",
                   "http_proxy": "http://proxy:1", "MODE": "x"}


async def test_terminate_kills_the_whole_group_after_the_grace_period_when_term_is_ignored(tmp_path: Path) -> None:
    code = ("import os, signal, subprocess, sys, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "child = subprocess.Popen([sys.executable, '-c', 'import signal, time; "
            "signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)'])\n"
            "print(child.pid, flush=True)\n"
            "time.sleep(60)\n")
    with anyio.fail_after(30):
        proc = await process.open_group([sys.executable, "-c", code], env=server_env({}))
        assert proc.stdout is not None
        child = int((await proc.stdout.receive()).decode().split()[0])
        t0 = time.perf_counter()
        await process.terminate(proc, 0.5)
        assert proc.returncode is not None and time.perf_counter() - t0 < 5
        with anyio.fail_after(5):
            while Path(f"/proc/{child}").exists() and Path(f"/proc/{child}/stat").read_text().split(") ")[1][0] != "Z":
                await anyio.sleep(0.05)
        await proc.aclose()


async def test_waiting_for_a_port_stops_when_the_process_exits_first() -> None:
    with anyio.fail_after(30):
        proc = await process.open_group([sys.executable, "-c", "import sys; sys.exit(4)"], env=server_env({}))
        with pytest.raises(process.ExitedEarly, match="exited with code 4 before listening"):
            await process.wait_for_port(proc, "127.0.0.1", process.free_port())
        await proc.aclose()


def test_a_stderr_tail_is_redacted_and_the_failure_message_quotes_its_last_lines(tmp_path: Path,
                                                                                 monkeypatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "ant-canary-value-1234")
    log = tmp_path / "s.log"
    log.write_text("boot\nusing key ant-canary-value-1234\nfatal: port 80 is taken\n")
    tail = process.stderr_tail(log)
    assert tail is not None and "ant-canary-value-1234" not in tail and "using key ***" in tail
    assert process.with_stderr("Connection closed", tail, 2) == (
        "Connection closed; the server's stderr ends with: using key *** ⏎ fatal: port 80 is taken")
    assert process.with_stderr("Connection closed", None) == "Connection closed"


def test_redaction_hides_assigned_secrets_but_leaves_a_failure_reason_readable() -> None:
    """A KeyError naming a missing variable is often the very reason a server will not start: it must survive."""
    from mcpbench.process import redact

    assert redact("KeyError: 'DATABASE_URL'", environ={}) == "KeyError: 'DATABASE_URL'"
    assert redact("token expired at 5", environ={}) == "token expired at 5"
    assert redact("MY_API_KEY=hunter22 --api-key=abcdef", environ={}) == "MY_API_KEY=*** --api-key=***"
    assert redact('{"api_key": "abcdefg"}', environ={}) == '{"api_key": "***"}'


async def test_a_server_written_for_the_old_sdk_fails_with_its_stderr_and_the_pin_that_fixes_it(tmp_path: Path) -> None:
    """A real server process on the real SDK: a 1.x low-level server (`@server.list_tools()`) crashes on 2.x."""
    from mcpbench.config import ServerSpec
    from mcpbench.fleet import Fleet

    script = tmp_path / "old_server.py"
    script.write_text("from mcp.server.lowlevel import Server\nserver = Server('old')\n"
                      "@server.list_tools()\nasync def tools():\n    return []\n")
    spec = ServerSpec(name="old", command=sys.executable, args=[str(script)])
    with anyio.fail_after(60):
        async with Fleet.open([spec], log_dir=tmp_path) as fleet:
            why = fleet.status["old"].why()
    assert "'Server' object has no attribute 'list_tools'" in why
    assert why.endswith('(written for the 1.x MCP SDK: pin it with `install: {pypi: …, with: ["mcp<2"]}` in '
                        'servers.yaml (on a `uvx PKG` line: `args: [--with, "mcp<2", PKG]`))')
    assert process.stderr_hint("fatal: port 80 is taken") == ""
