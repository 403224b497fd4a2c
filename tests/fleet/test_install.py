"""Installing servers: per-server venvs and one npm prefix, idempotent markers, clear errors, resolvable binaries."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest

from mcpbench.config import ServerSpec, load_config
from mcpbench.install import (
    InstallEvent,
    ServerNotInstalled,
    _check_bin,
    home_dir,
    install_servers,
    install_servers_async,
    is_installed,
    package_commands,
    resolve_command,
    server_env_dir,
    spec_hash,
)

ROOT = Path(__file__).resolve().parents[2]


def _spec(**kw: object) -> ServerSpec:
    return ServerSpec.model_validate({"name": "s", "command": "mcp-server-x", **kw})


def test_home_dir_honours_MCPBENCH_HOME(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "h"))
    assert home_dir() == (tmp_path / "h").resolve()
    monkeypatch.delenv("MCPBENCH_HOME")
    assert home_dir() == Path.home() / ".cache" / "mcpbench"


def test_a_missing_server_binary_names_the_install_command(tmp_path: Path) -> None:
    spec = _spec(name="time", install={"pypi": "mcp-server-time==2026.10.19"})
    with pytest.raises(ServerNotInstalled, match=re.escape("mcpbench servers install time")):
        resolve_command(spec, tmp_path)
    npm = _spec(name="memory", command="mcp-server-memory", install={"npm": "@modelcontextprotocol/server-memory@1"})
    with pytest.raises(FileNotFoundError, match=re.escape("mcpbench servers install memory")):
        resolve_command(npm, tmp_path)


def test_binaries_resolve_inside_their_install_env_or_on_path(tmp_path: Path) -> None:
    pypi = _spec(name="p", install={"pypi": "pkg==1"})
    binary = tmp_path / "servers" / "p" / "bin" / "mcp-server-x"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    binary.chmod(0o755)
    assert resolve_command(pypi, tmp_path) == str(binary)
    assert server_env_dir(pypi, tmp_path) == tmp_path / "servers" / "p"
    assert resolve_command(_spec(command="sh"), tmp_path) == shutil.which("sh")
    with pytest.raises(ServerNotInstalled, match="not on PATH"):
        resolve_command(_spec(command="surely-no-such-binary-here"), tmp_path)


def test_the_spec_hash_changes_with_the_pinned_version_and_the_extra_requirements() -> None:
    a = _spec(install={"pypi": "pkg==1"})
    assert spec_hash(a) == spec_hash(_spec(install={"pypi": "pkg==1"}))
    assert spec_hash(a) != spec_hash(_spec(install={"pypi": "pkg==2"}))
    assert spec_hash(a) != spec_hash(_spec(install={"pypi": "pkg==1", "with": ["mcp<2"]}))


def test_a_wrong_command_names_the_commands_the_package_installs(tmp_path: Path) -> None:
    """`command: accounting-ai-mcp` for a package whose console script is `accounting_ai_mcp`: the error says so."""
    home = tmp_path / "home"
    spec = _spec(name="acct", command="accounting-ai-mcp", install={"pypi": "Accounting.AI-MCP==1.0"})
    info = home / "servers" / "acct" / "lib" / "python3.11" / "site-packages" / "accounting_ai_mcp-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "entry_points.txt").write_text("[console_scripts]\naccounting_ai_mcp = server:main\n"
                                          "[other]\nnot_a_command = x:y\n")
    other = info.parent / "anyio-4.0.dist-info"
    other.mkdir()
    (other / "entry_points.txt").write_text("[console_scripts]\nnot_ours = a:b\n")
    assert package_commands(spec, home) == ["accounting_ai_mcp"]
    with pytest.raises(Exception, match=r"the package installs 'accounting_ai_mcp': set 'command' to one of them"):
        _check_bin(spec, home)
    npm = _spec(name="n", command="wrong", install={"npm": "@scope/tool-server@1.2.3"})
    manifest = home / "npm" / "node_modules" / "@scope" / "tool-server" / "package.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text('{"name": "@scope/tool-server", "bin": {"tool-server": "dist/index.js"}}')
    assert package_commands(npm, home) == ["tool-server"]
    bare = _spec(name="b", command="x", install={"pypi": "nothing-installed==1"})
    with pytest.raises(Exception, match=r"check 'command' in servers.yaml"):
        _check_bin(bare, home)


def test_a_failing_install_is_a_failed_result_with_the_installer_output_and_others_still_install(
        tmp_path: Path) -> None:
    """A local path that does not exist fails inside uv without asking any registry."""
    broken = _spec(name="broken", install={"pypi": str(tmp_path / "no-such-project")})
    plain = _spec(name="plain", command="sh")
    events: list[InstallEvent] = []
    results = install_servers([broken, plain], tmp_path / "home", on_event=events.append)
    assert [r.name for r in results] == ["broken", "plain"]
    bad, ok = results
    assert bad.status == "failed" and bad.kind == "pypi"
    assert bad.error is not None and "broken" in bad.error and "no-such-project" in bad.error
    assert ok.status == "cached" and ok.kind == "none" and ok.bin == shutil.which("sh")
    assert [(e.name, e.stage) for e in events if e.name == "broken"] == [("broken", "start"), ("broken", "failed")]
    assert any(str(e).startswith("broken: FAILED") for e in events)
    assert not is_installed(broken, tmp_path / "home")


def test_the_default_fleet_pins_every_server_and_its_isolation_copies_exist_in_the_world(tmp_path: Path) -> None:
    from mcpbench.world import World

    cfg = load_config(ROOT / "servers.yaml")
    assert (ROOT / "mcpbench" / "data" / "servers.yaml").resolve() == (ROOT / "servers.yaml").resolve()
    assert len(cfg.servers) >= 10
    world = World.ensure(tmp_path)
    for spec in cfg.servers:
        assert spec.install is not None, spec.name
        pin = spec.install.pypi or spec.install.npm or ""
        assert re.search(r"(==|@)\d[\w.]*$", pin), f"{spec.name} is not pinned: {pin}"
        assert "npx" not in (spec.command or "") and "uvx" not in (spec.command or "")
        assert spec.domain and spec.description, spec.name
        for rel in spec.isolation.copy_:
            assert (world.root / rel).exists(), f"{spec.name}: {rel} is not in the world"
        if spec.isolation.copy_:
            assert spec.stateful, f"{spec.name} copies data but is not stateful"


@pytest.mark.integration
def test_installing_is_idempotent_and_the_installed_servers_launch(tmp_path: Path) -> None:
    """One PyPI server and one npm server into a fresh home: installed, then cached and fast, then they run."""
    from mcp import Client, StdioServerParameters

    cfg = load_config(ROOT / "servers.yaml")
    specs = [cfg.get("calculator"), cfg.get("sequential-thinking")]
    home = tmp_path / "home"
    first = install_servers(specs, home)
    assert [(r.name, r.kind, r.status) for r in first] == [
        ("calculator", "pypi", "installed"), ("sequential-thinking", "npm", "installed")], first
    assert (home / "servers" / "calculator" / "bin" / "python").exists()
    # copies, not hard links into uv's cache (a package that refuses multiply-linked files would fail at run time)
    linked = [f for f in (home / "servers" / "calculator").rglob("*.py") if f.is_file() and f.stat().st_nlink > 1]
    assert linked == [], linked[:3]
    assert (home / "npm" / "node_modules" / ".bin" / "mcp-server-sequential-thinking").exists()

    t0 = time.monotonic()
    second = install_servers(specs, home)
    assert [r.status for r in second] == ["cached", "cached"]
    assert time.monotonic() - t0 < 2.0
    assert [r.bin for r in second] == [r.bin for r in first]

    async def tools(spec: ServerSpec) -> list[str]:
        with anyio.fail_after(60):
            async with Client(StdioServerParameters(command=resolve_command(spec, home), args=list(spec.args),
                                                    env=dict(spec.env) or None)) as client:
                return [t.name for t in (await client.list_tools()).tools]

    assert anyio.run(tools, specs[0]) == ["calculate"]
    assert anyio.run(tools, specs[1]) == ["sequentialthinking"]

    changed = specs[0].model_copy(update={"install": specs[0].install.model_copy(update={"with_": ["six"]})})
    assert not is_installed(changed, home), "a changed install spec must not count as installed"


@pytest.mark.integration
@pytest.mark.anyio
async def test_force_reinstalls_a_cached_server(tmp_path: Path) -> None:
    spec = load_config(ROOT / "servers.yaml").get("calculator")
    home = tmp_path / "home"
    assert [r.status for r in await install_servers_async([spec], home)] == ["installed"]
    marker = home / "servers" / "calculator" / ".mcpbench-install.json"
    before = marker.stat().st_mtime_ns
    assert [r.status for r in await install_servers_async([spec], home, force=True)] == ["installed"]
    assert marker.stat().st_mtime_ns != before
    assert os.access(resolve_command(spec, home), os.X_OK)



def test_two_processes_installing_into_one_home_at_once_both_succeed(tmp_path: Path) -> None:
    """`pytest` beside `mcpbench run` on a fresh machine: both install the same servers into one home at the same time.
    One waits for the other's lock and then finds them installed; neither replaces the other's venv or npm prefix."""
    home = tmp_path / "home"
    code = ("import sys, json; from mcpbench.config import load_config; from mcpbench.install import install_servers;"
            f"cfg = load_config({str(ROOT / 'servers.yaml')!r});"
            "from pathlib import Path;"
            "rs = install_servers([cfg.get('calculator'), cfg.get('sequential-thinking')], Path(sys.argv[1]));"
            "print(json.dumps([(r.name, r.status, r.error) for r in rs]))")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(home)], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "MCPBENCH_HOME": str(home)}) for _ in range(2)]
    outs = [p.communicate(timeout=600)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    results = [json.loads(o.strip().splitlines()[-1]) for o in outs]
    for rs in results:
        assert [(name, error) for name, _, error in rs] == [("calculator", None), ("sequential-thinking", None)], rs
    # each server was installed once; the other process found it done
    for i in range(2):
        assert sorted(rs[i][1] for rs in results) == ["cached", "installed"], results
    specs = [load_config(ROOT / "servers.yaml").get(n) for n in ("calculator", "sequential-thinking")]
    assert all(is_installed(s, home) for s in specs)
    assert os.access(resolve_command(specs[1], home), os.X_OK)
