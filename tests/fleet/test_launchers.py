"""Issue 17 item 5: a server written as users write it (`uvx PKG`, `npx -y PKG`, as `discover --add` writes it) is
installed by `servers install` as a pinned binary, so its first start is not a download racing a connect deadline."""

from __future__ import annotations

import json
import os
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.config import ServerSpec
from mcpbench.connection import Resolved, hung_message, resolve
from mcpbench.fleet import Fleet
from mcpbench.install import install_kind, install_servers, is_installed, pinned_launch
from mcpbench.launchers import plan


def line(command: str, *args: str, name: str = "s") -> ServerSpec:
    return ServerSpec(name=name, command=command, args=list(args))


@pytest.mark.parametrize(("command", "args", "expected"), [
    ("uvx", ["mcp-server-time", "--local-timezone", "UTC"],
     ("pypi", "mcp-server-time", [], "mcp-server-time", ["--local-timezone", "UTC"])),
    ("uvx", ["mcp-server-calculator@0.2.1"], ("pypi", "mcp-server-calculator==0.2.1", [], "mcp-server-calculator", [])),
    ("/usr/local/bin/uvx", ["--from", "pkg[cli]>=1.2", "pkg-serve", "-v"], ("pypi", "pkg[cli]>=1.2", [], "pkg-serve",
                                                                               ["-v"])),
    ("uvx", ["-q", "--with", "mcp<2", "mcp-server-sqlite", "--db-path", "x.db"],
     ("pypi", "mcp-server-sqlite", ["mcp<2"], "mcp-server-sqlite", ["--db-path", "x.db"])),
    ("npx", ["-y", "@modelcontextprotocol/server-memory"],
     ("npm", "@modelcontextprotocol/server-memory", [], None, [])),
    ("npx", ["--yes", "@scope/srv@1.2.3", "/data"], ("npm", "@scope/srv@1.2.3", [], None, ["/data"])),
    ("npx", ["-y", "-p", "some-pkg@2", "some-bin", "--port", "1"], ("npm", "some-pkg@2", [], "some-bin",
                                                                     ["--port", "1"])),
])
def test_launcher_lines_are_read_as_the_package_they_install_and_the_binary_they_start(command, args, expected):
    p = plan(line(command, *args))
    assert p is not None
    assert (p.kind, p.package, p.with_, p.command, p.args) == expected


@pytest.mark.parametrize(("command", "args"), [
    ("uvx", ["--python", "3.9", "pkg"]),  # another interpreter: left to uvx
    ("uvx", ["--some-new-flag", "pkg"]),  # a flag we do not know: never guess
    ("npx", ["-y"]),
    ("node", ["server.js"]),
    ("uvx", ["git+https://example.invalid/repo"]),
])
def test_lines_that_cannot_be_read_with_certainty_stay_with_their_launcher(command, args):
    spec = line(command, *args)
    assert plan(spec) is None
    assert install_kind(spec) == "none" and is_installed(spec)


def test_a_launcher_line_not_installed_yet_still_starts_through_its_launcher(tmp_path: Path) -> None:
    spec = line("npx", "-y", "@scope/never-installed")
    assert not is_installed(spec, tmp_path) and pinned_launch(spec, tmp_path) is None
    r = resolve(spec, {}, tmp_path)
    assert Path(r.command or "").name == "npx" and r.args == ["-y", "@scope/never-installed"]


def test_a_missed_deadline_through_a_launcher_says_the_first_start_may_be_installing() -> None:
    spec = line("npx", "-y", "@scope/srv", name="slow")
    msg = hung_message(Resolved(spec=spec, name="slow", command="/usr/bin/npx", args=["-y", "@scope/srv"]))
    assert "spawned but hung" in msg and "mcpbench servers install slow" in msg
    plain = Resolved(spec=spec, name="slow", command="/opt/bin/srv")
    assert "servers install" not in hung_message(plain)


@pytest.mark.integration
def test_servers_install_pins_uvx_and_npx_lines_and_they_launch_by_their_binary(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("MCPBENCH_HOME", str(home))
    cfg = tmp_path / "servers.yaml"
    cfg.write_text("servers:\n"
                   "  - name: calc\n    command: uvx\n    args: [mcp-server-calculator@0.2.1]\n"
                   "  - name: think\n    command: npx\n"
                   "    args: [-y, '@modelcontextprotocol/server-sequential-thinking@2026.8.31']\n")
    res = CliRunner().invoke(app, ["servers", "install", "--config", str(cfg), "--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    assert (rows["calc"]["kind"], rows["calc"]["status"]) == ("pypi", "installed")
    assert (rows["think"]["kind"], rows["think"]["status"]) == ("npm", "installed")
    assert rows["calc"]["bin"] == str(home / "servers" / "calc" / "bin" / "mcp-server-calculator")
    assert rows["think"]["bin"] == str(home / "npm" / "node_modules" / ".bin" / "mcp-server-sequential-thinking")
    marker = json.loads((home / "servers" / "calc" / ".mcpbench-install.json").read_text())
    assert marker["version"] == "0.2.1" and marker["launch"] == ["uvx", "mcp-server-calculator@0.2.1"]
    assert json.loads((home / "npm" / ".mcpbench" / "think.json").read_text())["version"] == "2026.8.31"

    specs = [ServerSpec(name="calc", command="uvx", args=["mcp-server-calculator@0.2.1"]),
             ServerSpec(name="think", command="npx",
                        args=["-y", "@modelcontextprotocol/server-sequential-thinking@2026.8.31"])]
    assert [r.status for r in install_servers(specs, home)] == ["cached", "cached"]
    for spec in specs:
        r = resolve(spec, {}, home)
        assert r.command == rows[spec.name]["bin"] and os.access(r.command, os.X_OK) and r.args == []

    async def tools() -> dict[str, int]:
        with anyio.fail_after(90):
            async with Fleet.open(specs) as fleet:
                return {s["name"]: s["tools"] for s in fleet.summary() if s["status"] == "connected"}

    assert anyio.run(tools) == {"calc": 1, "think": 1}
    # a changed line is a different server: not installed until installed again
    assert not is_installed(specs[0].model_copy(update={"args": ["mcp-server-calculator@0.2.0"]}), home)
