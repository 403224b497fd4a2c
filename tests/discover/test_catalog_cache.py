"""The catalog cache: a warm `servers search` / `servers tools` answers without connecting, and every live listing
checks the record against the server's tool hashes."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import anyio
import pytest
from typer.testing import CliRunner

from mcpbench import catalog_cache
from mcpbench.catalog import ToolEntry
from mcpbench.cli import app
from mcpbench.cli.common import console, err_console
from mcpbench.config import ServerSpec

SERVER = '''
import sys
from pathlib import Path
from mcp.server.mcpserver import MCPServer

here = Path(sys.argv[1])
with (here / "launches.txt").open("a") as f:
    f.write("x")
mcp = MCPServer("described", version=(here / "version.txt").read_text().strip())


@mcp.tool(description=(here / "description.txt").read_text().strip())
def lookup(term: str) -> str:
    return term


mcp.run()
'''


@pytest.fixture
def described(tmp_path, monkeypatch):
    """A real stdio server whose tool description and version come from files (so they can change under a spec)."""
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MCPBENCH_CONFIG", raising=False)
    monkeypatch.setattr(console, "width", 300)
    monkeypatch.setattr(err_console, "width", 300)
    (tmp_path / "server.py").write_text(SERVER)
    (tmp_path / "description.txt").write_text("Find the meaning of a word in the dictionary.")
    (tmp_path / "version.txt").write_text("1.0.0")
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"""version: 1
servers:
  - name: words
    command: {sys.executable}
    args: ["{tmp_path / 'server.py'}", "{tmp_path}"]
    timeouts: {{connect: 60}}
""")
    return tmp_path


def launches(d: Path) -> int:
    p = d / "launches.txt"
    return len(p.read_text()) if p.exists() else 0


def search(d: Path, *extra: str) -> list[dict]:
    res = CliRunner().invoke(app, ["servers", "search", "meaning of a word", "--json", "--config",
                                   str(d / "servers.yaml"), *extra], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def test_a_warm_search_answers_from_the_cache_without_starting_the_server(described):
    cold = search(described)
    assert launches(described) == 1 and cold[0]["name"] == "lookup"
    t0 = time.perf_counter()
    warm = search(described)
    elapsed = time.perf_counter() - t0
    assert launches(described) == 1, "the warm search started the server"
    assert warm == cold
    assert elapsed < 5  # generous on a loaded machine; benchmarks/ measures the real ratio


def test_refresh_lists_live_and_servers_tools_shares_the_cache(described):
    search(described)
    search(described, "--refresh")
    assert launches(described) == 2
    res = CliRunner().invoke(app, ["servers", "tools", "--json", "--config", str(described / "servers.yaml")],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert [r["name"] for r in json.loads(res.stdout)] == ["lookup"]
    assert launches(described) == 2


def test_the_next_live_connection_replaces_a_record_whose_tool_hashes_changed(described):
    search(described)
    (described / "description.txt").write_text("Look up a synonym for a word in the thesaurus.")
    assert "dictionary" in search(described)[0]["description"]  # nothing connected yet: the cache still answers

    from mcpbench.config import load_config
    from mcpbench.fleet import Fleet

    specs = load_config(described / "servers.yaml").servers

    async def connect() -> None:
        with anyio.fail_after(60):
            async with Fleet.open(specs):
                pass

    anyio.run(connect)  # any live connection (a run, `servers list`) checks the record
    assert launches(described) == 2
    assert "thesaurus" in search(described)[0]["description"]
    assert launches(described) == 2


def test_a_changed_spec_is_a_different_key_and_a_new_version_rewrites_the_record(described, tmp_path):
    base = ServerSpec(name="words", command=sys.executable, args=["server.py"])
    home = tmp_path / "h"
    tools = [{"name": "lookup", "description": "d", "input_schema": {"type": "object"}}]

    def entries(sha: str, flags: list[str] | None = None) -> list[ToolEntry]:
        return [ToolEntry(server="words", name="lookup", sha256=sha, flags=flags or [])]

    assert catalog_cache.remember(home, base, "1.0", tools, entries("aa"))
    assert not catalog_cache.remember(home, base, "1.0", tools, entries("aa"))  # same listing: untouched
    assert catalog_cache.load(home, base).server_version == "1.0"
    assert catalog_cache.remember(home, base, "1.1", tools, entries("aa"))
    assert catalog_cache.load(home, base).server_version == "1.1"
    assert catalog_cache.remember(home, base, "1.1", tools, entries("bb"))
    assert catalog_cache.remember(home, base, "1.1", tools, entries("bb", ["lookup description: hidden text"]))
    [cached] = catalog_cache.catalog_from([catalog_cache.load(home, base)]).entries()
    assert cached.flags == ["lookup description: hidden text"]
    moved = base.model_copy(update={"args": ["server.py", "--flag"]})
    assert catalog_cache.load(home, moved) is None
    # options that do not change what answers keep the key
    assert catalog_cache.spec_key(base) == catalog_cache.spec_key(base.model_copy(update={"description": "x"}))


def test_a_corrupt_record_is_ignored_and_relisted(described):
    search(described)
    for f in (described / "home" / "cache" / "catalog").iterdir():
        f.write_text("{not json")
    assert search(described)[0]["name"] == "lookup"
    assert launches(described) == 2


def test_the_cache_keeps_at_most_max_records_dropping_the_oldest(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog_cache, "MAX_RECORDS", 3)
    home = tmp_path / "h"
    specs = [ServerSpec(name=f"s{i}", command="x", args=[str(i)]) for i in range(5)]
    for i, spec in enumerate(specs):
        assert catalog_cache.remember(home, spec, None, [], [])
        # file times are coarse (a few ms): give each record its own second, in writing order
        os.utime(catalog_cache._path(home, spec), (1_000_000 + i, 1_000_000 + i))
    assert [catalog_cache.load(home, s) is not None for s in specs] == [False, False, True, True, True]
