"""Real servers of the default fleet pass `mcpbench check`, or get only warnings that are true of them; the same
server is checked over stdio, streamable HTTP and SSE."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from mcpbench.check import CheckOptions, CheckReport, run_check
from mcpbench.check.target import free_port, spec_target
from mcpbench.cli import app
from mcpbench.config import ServerSpec, load_config
from mcpbench.install import is_installed, resolve_command

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
OPTIONS = CheckOptions(call_timeout_s=30.0, connect_timeout_s=60.0)
# everything's trigger-long-running-operation sleeps 10 s by design; over HTTP/SSE we skip it to keep the run short
QUICK = CheckOptions(call_timeout_s=30.0, connect_timeout_s=60.0,
                     skip_tools=frozenset({"trigger-long-running-operation"}))


def fleet_spec(name: str) -> ServerSpec:
    return load_config(ROOT / "servers.yaml").get(name)


@pytest.fixture(scope="module")
def installed() -> None:
    """Install what is missing with `mcpbench servers install` (idempotent; cached under MCPBENCH_HOME)."""
    names = [n for n in ("time", "calculator", "everything") if not is_installed(fleet_spec(n))]
    if names:
        subprocess.run([sys.executable, "-c", "from mcpbench.cli import main; main()", "servers", "install", *names,
                        "--config", str(ROOT / "servers.yaml")], check=True, timeout=900)


async def check_spec(spec: ServerSpec, options: CheckOptions = OPTIONS) -> CheckReport:
    with anyio.fail_after(300):
        async with spec_target(spec) as target:
            return await run_check(target, options)


def problems(report: CheckReport) -> dict[str, str]:
    return {r.id: r.status for r in report.results if r.status in ("warn", "fail")}


@pytest.mark.anyio
async def test_the_time_server_passes_every_check(installed: None) -> None:
    report = await check_spec(fleet_spec("time"))
    assert problems(report) == {}, [(r.id, r.summary, r.details) for r in report.results if r.status != "pass"]
    assert report.server_name == "mcp-time" and report.by_id("schemas.output_conformance").status == "pass"
    assert {t.name for t in report.tools} == {"get_current_time", "convert_time"}


@pytest.mark.anyio
async def test_the_calculator_passes_except_for_its_undescribed_parameter(installed: None) -> None:
    report = await check_spec(fleet_spec("calculator"))
    # its one tool says what it does but not when to use it, its limits, its parameter or an example: 45/100
    assert problems(report) == {"schemas.param_descriptions": "warn", "schemas.description_quality": "warn"}
    assert report.by_id("schemas.param_descriptions").details == ["calculate: expression"]
    assert report.by_id("schemas.description_quality").data["tools"] == {"calculate": 45}
    # an mcp 1.x server: the discover probe falls back to initialize
    assert report.protocol_versions == {"auto": "2025-11-25", "legacy": "2025-11-25"}


@pytest.mark.anyio
async def test_the_everything_server_over_stdio_passes_except_for_one_undescribed_parameter(installed: None) -> None:
    report = await check_spec(fleet_spec("everything"))
    assert problems(report) == {"schemas.param_descriptions": "warn"}
    assert report.by_id("schemas.param_descriptions").details == ["get-resource-reference: resourceType"]
    assert report.by_id("protocol.listings").summary.startswith("13 tools")
    # the four tools that declare readOnlyHint: false are not called without --allow-destructive (issue 17 item 6)
    assert report.by_id("robustness.coverage").summary == "9 of 13 tools called"
    skipped = {t.name: t.skipped for t in report.tools if t.skipped}
    assert skipped == dict.fromkeys(["gzip-file-as-resource", "simulate-research-query", "toggle-simulated-logging",
                                     "toggle-subscriber-updates"], "may change state: declares readOnlyHint: false")


async def _start_everything(mode: str, port: int) -> AsyncIterator[None]:
    """Run server-everything in `mode` until the block ends; ready once it logs that it listens (no polling)."""
    binary = resolve_command(fleet_spec("everything"))
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", ""), "PORT": str(port)}
    async with await anyio.open_process([binary, mode], env=env, start_new_session=True) as proc:
        try:
            assert proc.stderr is not None
            seen = b""
            with anyio.fail_after(60):
                async for chunk in proc.stderr:
                    seen += chunk
                    if str(port).encode() in seen:
                        break
            async with anyio.create_task_group() as tg:
                tg.start_soon(_drain, proc.stderr)
                yield
                tg.cancel_scope.cancel()
        finally:
            proc.terminate()
            with anyio.move_on_after(5):
                await proc.wait()


async def _drain(stream: object) -> None:
    async for _ in stream:  # type: ignore[attr-defined]
        pass


@pytest.mark.parametrize("mode,path,transport", [("streamableHttp", "/mcp", "http"), ("sse", "/sse", "sse")])
def test_the_everything_server_checked_by_url_gets_the_same_verdicts(installed: None, mode: str, path: str,
                                                                       transport: str) -> None:
    port = free_port()
    out: dict[str, object] = {}

    async def go() -> None:
        from contextlib import asynccontextmanager

        async with asynccontextmanager(_start_everything)(mode, port):
            result = await anyio.to_thread.run_sync(lambda: CliRunner().invoke(app, [
                "check", "--json", "--url", f"http://127.0.0.1:{port}{path}", "--call-timeout", "30",
                "--skip-tool", "trigger-long-running-operation"]))
            out["result"] = result

    anyio.run(go)
    result = out["result"]
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    report = json.loads(result.stdout)  # type: ignore[attr-defined]
    assert report["transport"] == transport
    statuses = {r["id"]: r["status"] for r in report["results"]}
    assert {k for k, v in statuses.items() if v in ("warn", "fail")} == {"schemas.param_descriptions"}
    assert statuses["protocol.stdout_jsonrpc"] == "skip" and statuses["protocol.stderr_noise"] == "skip"
    assert statuses["protocol.ping"] == "pass" and statuses["protocol.unknown_tool"] == "pass"


@pytest.mark.anyio
async def test_an_http_server_launched_from_its_spec_is_checked_with_its_stderr(installed: None) -> None:
    base = fleet_spec("everything")
    spec = base.model_copy(update={"name": "everything-http", "transport": "http", "args": ["streamableHttp"],
                                   "env": {"PORT": "${PORT}"}, "url": "http://127.0.0.1:${PORT}/mcp"})
    report = await check_spec(spec, QUICK)
    assert problems(report) == {"schemas.param_descriptions": "warn"}
    assert report.transport == "http" and report.by_id("protocol.stderr_noise").status == "pass"


@pytest.mark.parametrize("model,status", [("scripted/oracle", "pass"), ("scripted/do-nothing", "warn")])
def test_usability_with_the_baselines_separates_the_oracle_from_the_do_nothing_model(installed: None, model: str,
                                                                                       status: str) -> None:
    """`--model`: tasks synthesised for the calculator; the oracle (replays the reference chain) must pass, the
    do-nothing baseline must not — the usability score measures the model, not the checker."""
    result = CliRunner().invoke(app, ["check", "--json", "--server", "calculator", "--config",
                                      str(ROOT / "servers.yaml"), "--model", model])
    assert result.exit_code == 0, result.output
    usability = next(r for r in json.loads(result.stdout)["results"] if r["id"] == "usability.model")
    assert usability["status"] == status and usability["category"] == "usability"
    assert usability["summary"].startswith(f"{model} scored {'1.00' if status == 'pass' else '0.00'}")
    calculate = usability["data"]["tools"]["calculate"]  # per tool: the oracle picks it every time, the baseline never
    assert calculate["expected"] >= 1
    if status == "pass":
        assert calculate["selection_rate"] == 1 and calculate["argument_accuracy"] == 1
        assert usability["data"]["confusion"] == {}
    else:
        assert calculate["selection_rate"] == 0 and usability["data"]["confusion"] == {
            "calculate": {"(no call)": calculate["expected"]}}
