"""Issue 17 item 4: a server that will not start says why wherever it is used: `servers ping` (table and --json) and
the run's infra errors carry what it wrote on stderr, redacted (an API key of ours, or its own declared secret, never
shows)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.config import ServerSpec
from mcpbench.fleet import Fleet

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "servers" / "dies_with_reason.py"
SECRET = "svc-canary-7f3a9c21d4"
REASON = "config file /etc/dies-with-reason/settings.toml not found"


def dies() -> ServerSpec:
    return ServerSpec(name="dies", command=sys.executable, args=[str(FIXTURE)],
                      env={"SERVICE_TOKEN": "${SERVICE_TOKEN}"}, timeouts={"connect": 20})


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SERVICE_TOKEN", SECRET)
    path = tmp_path / "servers.yaml"
    path.write_text(f"servers:\n  - name: dies\n    command: {sys.executable}\n    args: [{FIXTURE}]\n"
                    "    env: {SERVICE_TOKEN: '${SERVICE_TOKEN}'}\n")
    return path


@pytest.mark.parametrize("json_out", [False, True], ids=["table", "json"])
def test_servers_ping_says_why_a_server_would_not_start(config: Path, json_out: bool) -> None:
    res = CliRunner().invoke(app, ["servers", "ping", "--config", str(config), *(["--json"] if json_out else [])],
                             catch_exceptions=False)
    assert res.exit_code == 1
    assert SECRET not in res.stdout
    if json_out:
        (row,) = json.loads(res.stdout)
        assert row["status"] == "failed"
        assert "Connection closed" in row["error"] and REASON in row["error"]
        assert REASON in row["stderr_tail"] and "SERVICE_TOKEN=***" in row["stderr_tail"]
    else:
        assert REASON in " ".join(res.stdout.replace("│", " ").split())


@pytest.mark.anyio
async def test_an_infra_error_from_a_server_that_would_not_start_names_its_reason(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("SERVICE_TOKEN", SECRET)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-canaryCANARYcanary1234")
    with anyio.fail_after(60):
        async with Fleet.open([dies()], log_dir=tmp_path) as fleet:
            out = await fleet.call("dies", "anything", {})
            async with fleet.episode("e1") as tools:
                down = await tools.unavailable()
    assert (out.outcome, out.error_kind) == ("infra_error", "server_unavailable")
    assert REASON in (out.error or "") and SECRET not in (out.error or "")
    assert REASON in down["dies"] and SECRET not in down["dies"]


def test_redaction_hides_our_keys_declared_secrets_and_token_shapes() -> None:
    from mcpbench.process import redact

    text = ("key sk-proj-abcdefghijklmnop1234 and ghp_abcdefghijklmnopqrstuvwx1234, "
            "Authorization: Bearer abc.def-123456 at https://user:pa55word@host/x, MY_API_KEY=hunter22 "
            "and our own value s3cr3t-v4lue-xyz")
    out = redact(text, environ={"ANTHROPIC_API_KEY": "s3cr3t-v4lue-xyz", "PATH": "/usr/bin"}, extra=["hunter22"])
    for secret in ("sk-proj-abcdefghijklmnop1234", "ghp_abcdefghijklmnopqrstuvwx1234", "abc.def-123456", "pa55word",
                   "hunter22", "s3cr3t-v4lue-xyz"):
        assert secret not in out, (secret, out)
    assert redact("fatal: cannot open /data/index.db", environ={}) == "fatal: cannot open /data/index.db"
