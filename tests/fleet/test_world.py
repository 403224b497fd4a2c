"""The fixture world: deterministic build, facts that hold, the loopback web server, real servers reading it."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import anyio
import httpx
import pytest

from mcpbench.world import SOURCE_DIR, World, WorldError, content_hash, serve_web

FACTS = json.loads((SOURCE_DIR / "facts.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World.ensure(tmp_path_factory.mktemp("home"))


def _git(world: World, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=world.repo_dir, capture_output=True, text=True, check=True,
                          timeout=30).stdout.strip()


def test_two_builds_in_separate_homes_give_the_same_commit_hashes(world: World, tmp_path: Path) -> None:
    other = World.ensure(tmp_path / "other-home")
    assert other.root != world.root
    assert other.manifest.git_head == world.manifest.git_head
    assert other.manifest.git_tags == world.manifest.git_tags
    assert other.manifest.git_commits == world.manifest.git_commits
    assert _git(other, "rev-parse", "HEAD") == world.manifest.git_head


def test_commit_hashes_match_the_ones_pinned_in_facts_json_so_every_machine_builds_the_same_repo(
        world: World) -> None:
    pinned = {f["id"]: f["value"] for f in FACTS["facts"]}
    assert world.manifest.git_head == pinned["git-head"]
    assert world.manifest.git_tags["v2.4.1"] == pinned["tag-v2.4.1"]
    assert world.manifest.git_branches["feature/sync-backoff"] == pinned["backoff-branch"]


def test_the_repository_has_authors_from_the_employee_table_and_a_clean_tree(world: World) -> None:
    emails = set(_git(world, "log", "--all", "--format=%ae").splitlines())
    con = sqlite3.connect(world.sqlite_path)
    employees = {r[0] for r in con.execute("SELECT email FROM employees")}
    con.close()
    assert emails and emails <= employees
    assert _git(world, "status", "--porcelain") == ""
    assert _git(world, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert _git(world, "tag").split() == ["v2.3.0", "v2.4.0", "v2.4.1"]


def test_the_database_has_the_row_counts_the_manifest_records(world: World) -> None:
    con = sqlite3.connect(world.sqlite_path)
    counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in world.manifest.db_rows}
    con.close()
    assert counts == world.manifest.db_rows
    assert counts == {"customers": 10, "employees": 12, "offices": 4, "order_items": 37, "orders": 20,
                      "products": 8}


def test_ensure_reuses_a_built_world_instead_of_building_again(world: World) -> None:
    stamp = (world.root / "world.json").stat().st_mtime_ns
    again = World.ensure(world.home)
    assert again.root == world.root
    assert (world.root / "world.json").stat().st_mtime_ns == stamp
    assert not [p for p in world.root.parent.iterdir() if p.name.startswith(".build-")]


def test_changing_a_source_file_builds_a_new_world_next_to_the_old_one(world: World, tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(SOURCE_DIR, source)
    (source / "docs" / "README.md").write_text("changed\n", encoding="utf-8")
    assert content_hash(source) != content_hash(SOURCE_DIR)
    changed = World.ensure(world.home, source=source)
    assert changed.root != world.root
    assert (changed.docs_dir / "README.md").read_text(encoding="utf-8") == "changed\n"
    assert changed.manifest.git_head == world.manifest.git_head


def test_a_broken_sql_source_is_a_world_error_that_names_the_file_and_leaves_no_half_build(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(SOURCE_DIR, source)
    with (source / "db" / "company.sql").open("a", encoding="utf-8") as f:
        f.write("INSERT INTO nowhere VALUES (1);\n")
    home = tmp_path / "home"
    with pytest.raises(WorldError, match=r"company\.sql"):
        World.ensure(home, source=source)
    assert list((home / "world").iterdir()) == []


def test_builtins_fill_the_world_and_web_placeholders(world: World) -> None:
    b = world.builtins("http://127.0.0.1:5000/")
    assert b == {"WORLD": str(world.root), "WEB_URL": "http://127.0.0.1:5000", "MCPBENCH_HOME": str(world.home)}


def _check_fact(world: World, fact: dict) -> object:
    """The value the world holds for a fact, computed without MCP servers (duckdb facts excluded)."""
    verify = fact["verify"]
    if "sqlite" in verify:
        con = sqlite3.connect(world.sqlite_path)
        try:
            return con.execute(verify["sqlite"]).fetchone()[0]
        finally:
            con.close()
    if "git" in verify:
        out = _git(world, *verify["git"])
        return fact["value"] if verify.get("contains") and fact["value"] in out else out
    if "file" in verify:
        text = (world.root / verify["file"]).read_text(encoding="utf-8")
        return fact["value"] if fact["value"] in text else f"<not in {verify['file']}>"
    if "tz" in verify:
        tz = verify["tz"]
        at = datetime.fromisoformat(tz["at"]).replace(tzinfo=ZoneInfo(tz["from"]))
        return at.astimezone(ZoneInfo(tz["to"])).isoformat()
    if "calc" in verify:
        return eval(verify["calc"], {"__builtins__": {}})  # arithmetic from our own facts file
    raise AssertionError(f"unknown verify kind in {fact['id']}: {verify}")


def test_every_fact_in_facts_json_holds_in_the_built_world(world: World) -> None:
    wrong = {}
    for fact in FACTS["facts"]:
        if "duckdb" in fact["verify"]:
            continue
        got = _check_fact(world, fact)
        if got != fact["value"]:
            wrong[fact["id"]] = (fact["value"], got)
    assert wrong == {}


def test_every_chain_in_facts_json_names_facts_that_exist_and_servers_of_the_default_fleet() -> None:
    from mcpbench.config import load_config

    fleet = {s.name for s in load_config(SOURCE_DIR.parent / "servers.yaml").servers}
    ids = {f["id"] for f in FACTS["facts"]}
    assert len(ids) == len(FACTS["facts"]), "fact ids must be unique"
    for fact in FACTS["facts"]:
        assert fact["reveal"]["server"] in fleet, fact["id"]
    for chain in FACTS["chains"]:
        assert set(chain["facts"]) <= ids, chain["id"]
        assert set(chain["servers"]) <= fleet, chain["id"]
        assert len(chain["servers"]) >= 2, "a chain crosses servers"


# ---- the loopback web server -----------------------------------------------------------------------------------

@pytest.mark.anyio
async def test_the_web_server_serves_pages_with_their_content_type(world: World) -> None:
    with anyio.fail_after(10):
        async with serve_web(world.web_dir) as url, httpx.AsyncClient() as client:
            assert url.startswith("http://127.0.0.1:")
            index = await client.get(url + "/")
            page = await client.get(url + "/catalog.html")
    assert index.status_code == 200 and "catalog.html" in index.text
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.content == (world.web_dir / "catalog.html").read_bytes()
    assert int(page.headers["content-length"]) == len(page.content)


@pytest.mark.anyio
async def test_unknown_pages_and_paths_outside_the_web_root_are_404(world: World) -> None:
    with anyio.fail_after(10):
        async with world.serve_web() as url, httpx.AsyncClient() as client:
            missing = await client.get(url + "/no-such-page.html")
            escape = await client.get(url + "/%2e%2e/world.json")
            nul = await client.get(url + "/catalog.html%00.txt")
    assert [missing.status_code, escape.status_code, nul.status_code] == [404, 404, 404]
    assert "404" in missing.text


@pytest.mark.anyio
async def test_head_has_headers_but_no_body_and_other_methods_are_405(world: World) -> None:
    with anyio.fail_after(10):
        async with serve_web(world.root) as url, httpx.AsyncClient() as client:  # a world root serves its web/
            head = await client.head(url + "/status.html")
            post = await client.post(url + "/status.html", content=b"x")
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == (world.web_dir / "status.html").stat().st_size
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"


@pytest.mark.anyio
async def test_a_client_that_sends_garbage_gets_400_and_the_server_keeps_serving(world: World) -> None:
    with anyio.fail_after(10):
        async with serve_web(world.web_dir) as url:
            port = int(url.rsplit(":", 1)[1])
            async with await anyio.connect_tcp("127.0.0.1", port) as raw:
                await raw.send(b"NONSENSE\r\n\r\n")
                reply = await raw.receive()
            async with httpx.AsyncClient() as client:
                ok = await client.get(url + "/offices.html")
    assert reply.startswith(b"HTTP/1.1 400 ")
    assert ok.status_code == 200


@pytest.mark.anyio
async def test_the_web_server_stops_listening_when_the_block_exits(world: World) -> None:
    with anyio.fail_after(10):
        async with serve_web(world.web_dir) as url:
            pass
        port = int(url.rsplit(":", 1)[1])
        with pytest.raises(OSError):
            await anyio.connect_tcp("127.0.0.1", port)


# ---- real servers on the world ---------------------------------------------------------------------------------

@pytest.mark.integration
@pytest.mark.anyio
async def test_real_servers_reveal_the_facts_of_the_world(world: World, tmp_path: Path) -> None:
    """sqlite, duckdb, git, filesystem and fetch, launched as the default fleet declares them, answer fact queries."""
    from mcp import Client, StdioServerParameters

    from mcpbench.config import ServerSpec, expand, load_config
    from mcpbench.install import install_servers_async, resolve_command

    names = ["sqlite", "duckdb", "git", "filesystem", "fetch", "memory"]
    specs = [s for s in load_config(SOURCE_DIR.parent / "servers.yaml").servers if s.name in names]
    results = await install_servers_async(specs)  # the default home: cached when already installed
    assert [r.status for r in results if r.status == "failed"] == [], results
    by_id = {f["id"]: f for f in FACTS["facts"]}
    wanted = {"sqlite": ["so-1012-total", "waikato-account-manager"], "duckdb": ["t2031-fixed-in", "so-1012-tracking"],
              "git": ["release-2.4.1-author"], "filesystem": ["restocking-fee"], "fetch": ["denver-phone"],
              "memory": ["waikato-delivery-days"]}
    answers: dict[str, tuple[bool, str]] = {}

    async def ask(spec: ServerSpec, url: str) -> None:
        episode = tmp_path / spec.name
        episode.mkdir()
        for rel in spec.isolation.copy_:
            src, dst = world.root / rel, episode / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(src, dst) if src.is_dir() else shutil.copy2(src, dst)
        b = {**world.builtins(url), "EPISODE_DIR": str(episode)}
        params = StdioServerParameters(
            command=resolve_command(spec), args=[expand(a, b) for a in spec.args],
            env={k: expand(v, b) for k, v in spec.env.items()} or None,
            cwd=expand(spec.cwd, b) if spec.cwd else None)
        async with Client(params) as client:
            for fact_id in wanted[spec.name]:
                reveal = by_id[fact_id]["reveal"]
                result = await client.call_tool(reveal["tool"], json.loads(expand(json.dumps(reveal["arguments"]), b)))
                answers[fact_id] = (bool(result.is_error), " ".join(getattr(c, "text", "") for c in result.content))

    with anyio.fail_after(120):
        async with world.serve_web() as url, anyio.create_task_group() as tg:
            for spec in specs:  # side by side: each server spawns and shuts down in a few seconds on 2 busy cores
                tg.start_soon(ask, spec, url)
    assert set(answers) == {f for ids in wanted.values() for f in ids}
    for fact_id, (is_error, text) in answers.items():
        value = by_id[fact_id]["value"]
        expected = f"{value:g}" if isinstance(value, float) else str(value)
        assert not is_error, (fact_id, text)
        assert expected in text, (fact_id, expected, text[:500])

@pytest.mark.integration
def test_every_duckdb_fact_holds_when_queried_with_the_duckdb_servers_own_duckdb(world: World) -> None:
    from mcpbench.config import load_config
    from mcpbench.install import install_servers, server_env_dir

    spec = load_config(SOURCE_DIR.parent / "servers.yaml").get("duckdb")
    assert install_servers([spec])[0].status != "failed"
    env = server_env_dir(spec)
    assert env is not None
    queries = {f["id"]: f["verify"]["duckdb"] for f in FACTS["facts"] if "duckdb" in f["verify"]}
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect()\n"
        "con.execute(open(sys.argv[1]).read())\n"
        "qs = json.loads(sys.argv[2])\n"
        "print(json.dumps({k: con.execute(q).fetchone()[0] for k, q in qs.items()}, default=str))\n"
    )
    out = subprocess.run([str(env / "bin" / "python"), "-c", script, str(world.analytics_sql), json.dumps(queries)],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    got = json.loads(out)
    expected = {f["id"]: f["value"] for f in FACTS["facts"] if "duckdb" in f["verify"]}
    assert got == expected
