"""Installed packages that provide MCP servers: per-server venvs, the current environment, the npm prefix."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mcpbench.discover import discover
from mcpbench.discover.installed import looks_like_mcp, npm_servers, python_servers, short_name, venv_servers


def _dist(site: Path, name: str, version: str, scripts: dict[str, str], requires: list[str]) -> None:
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}", f"Summary: {name} summary"]
    meta += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(meta) + "\n")
    if scripts:
        (info / "entry_points.txt").write_text(
            "[console_scripts]\n" + "".join(f"{k} = {v}\n" for k, v in scripts.items()))


def _exe(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _fake_venv(root: Path) -> Path:
    site = root / "lib" / "python3.11" / "site-packages"
    _dist(site, "mcp-server-weather", "1.2.0", {"mcp-server-weather": "weather:main"}, ["mcp>=1.0", "httpx"])
    _dist(site, "mcp", "1.9.0", {"mcp": "mcp.cli:app"}, ["anyio"])  # the SDK itself: not a server
    _dist(site, "charset-normalizer", "3.0", {"normalizer": "cn:main"}, [])  # not MCP at all
    _dist(site, "huggingface-hub", "1.0", {"tiny-agents": "x:y"}, ['mcp>=1.9; extra == "mcp"'])  # optional only
    _exe(root / "bin" / "mcp-server-weather")
    return root


def test_a_per_server_venv_yields_its_mcp_console_script_launched_from_its_bin(tmp_path):
    venv = _fake_venv(tmp_path / "servers" / "weather")
    found = venv_servers(tmp_path / "servers")
    assert [(s.name, s.command, s.source_kind) for s in found] == [
        ("weather", str(venv / "bin" / "mcp-server-weather"), "pypi")]
    assert found[0].install is not None and found[0].install.pypi == "mcp-server-weather==1.2.0"
    assert found[0].to_spec().command == str(venv / "bin" / "mcp-server-weather")


def test_a_distribution_depending_on_fastmcp_with_an_x_mcp_script_counts(tmp_path):
    site = tmp_path / "site"
    _dist(site, "acme-tools", "0.1", {"acme-mcp": "acme:serve", "acme": "acme:cli"}, ["fastmcp>=2"])
    found = python_servers([str(site)], prefix=tmp_path)
    assert [(s.name, s.command) for s in found] == [("acme", "acme-mcp")]  # no bin on disk: the bare script name


def test_a_server_package_whose_scripts_carry_no_mcp_word_is_found_once_by_its_package_name(tmp_path):
    """Pins a gap seen when the fleet grew: a package named like a server (`x-mcp-server`) whose console scripts are
    plain words (`csv`, `csv-editor`, aliases of one entry point) was not discovered at all."""
    site = tmp_path / "site"
    _dist(site, "tables-mcp-server", "1.0", {"tables-editor": "tables.server:main", "tables": "tables.server:main"},
          ["fastmcp>=2"])
    _dist(site, "plain-tool", "1.0", {"plain": "plain:main"}, ["fastmcp>=2"])  # uses the SDK, named like no server
    found = python_servers([str(site)], prefix=tmp_path)
    assert [(s.name, s.command) for s in found] == [("tables", "tables")]


def test_npm_packages_with_an_mcp_keyword_or_the_sdk_dependency_are_servers(tmp_path):
    nm = tmp_path / "npm" / "node_modules"
    pkgs = {
        "@modelcontextprotocol/server-memory": {"bin": {"mcp-server-memory": "dist/index.js"}, "version": "2026.8.31",
                                                "dependencies": {"@modelcontextprotocol/sdk": "^1.0"}},
        "@modelcontextprotocol/sdk": {"version": "1.20.0", "keywords": ["mcp"], "bin": {"sdk-cli": "x.js"}},
        "weather-tool": {"bin": "cli.js", "version": "0.1.0", "keywords": ["MCP", "weather"]},
        "left-pad": {"version": "1.3.0"},
        "some-cli": {"bin": {"some-cli": "cli.js"}, "version": "1.0.0", "keywords": ["cli"]},
    }
    for name, body in pkgs.items():
        (nm / name).mkdir(parents=True)
        (nm / name / "package.json").write_text(json.dumps({"name": name, **body}))
    _exe(nm / ".bin" / "mcp-server-memory")
    found = {s.name: s for s in npm_servers(tmp_path / "npm")}
    assert set(found) == {"memory", "weather-tool"}
    assert found["memory"].command == str(nm / ".bin" / "mcp-server-memory")
    assert found["memory"].install is not None and found["memory"].install.npm == \
        "@modelcontextprotocol/server-memory@2026.8.31"
    tool = found["weather-tool"]
    assert (tool.command, tool.args) == ("node", [str(nm / "weather-tool" / "cli.js")])


def test_discover_reads_packages_under_mcpbench_home(tmp_path):
    mhome = tmp_path / "cache"
    _fake_venv(mhome / "servers" / "weather")
    result = discover(home=tmp_path, cwd=tmp_path, platform="linux", environ={"MCPBENCH_HOME": str(mhome)},
                      configs=False, python_paths=[])
    assert [s.name for s in result.servers] == ["weather"]


@pytest.mark.parametrize("name, mcp", [("mcp-server-time", True), ("git_mcp", True), ("mcp", False),
                                       ("mcpbench", False), ("mcp-types", True), ("normalizer", False)])
def test_which_script_names_look_like_mcp_servers(name, mcp):
    assert looks_like_mcp(name) is mcp


def test_short_names_drop_the_mcp_server_decoration():
    assert [short_name(n) for n in ("mcp-server-time", "@modelcontextprotocol/server-memory", "git-mcp",
                                    "mcp_server_sqlite", "mcp")] == ["time", "memory", "git", "sqlite", "mcp"]


@pytest.mark.integration
def test_discover_lists_every_server_that_mcpbench_servers_install_put_in_the_cache():
    from mcpbench.config import load_config
    from mcpbench.install import home_dir, install_kind

    home = home_dir()
    specs = [s for s in load_config().servers if install_kind(s) != "none"]
    installed = [s for s in specs if (home / "servers" / s.name).is_dir() or install_kind(s) == "npm"]
    assert installed, "run `mcpbench servers install` first"
    found = discover(configs=False, environ={**os.environ, "MCPBENCH_HOME": str(home)}).servers
    packages = {(s.install.pypi or s.install.npm or "").split("==")[0].rsplit("@", 1)[0].lower()
                for s in found if s.install}
    for spec in installed:
        assert spec.install is not None
        ref = (spec.install.pypi or "").split("==")[0].lower() or (spec.install.npm or "").rsplit("@", 1)[0].lower()
        assert ref in packages, f"{spec.name} ({ref}) not discovered"
