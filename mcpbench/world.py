"""The fixture world the default fleet acts on: Brightwater Instruments, a small fictional company.

Its facts connect across servers (sqlite orders → duckdb tickets → git fixes → office timezones → web prices), so
multi-hop tasks can chain them. Sources ship in ``mcpbench/data/world/``; ``World.ensure()`` builds them once into
``$MCPBENCH_HOME/world/<content-hash>/`` (atomically) with this layout::

    db/company.db        sqlite database built from db/company.sql        (sqlite server)
    db/analytics.sql     DuckDB init script, loaded at server start         (duckdb server, --init-sql)
    repo/                git repository built from repo/repo.yaml          (git server; identical hashes everywhere)
    docs/                memos, meeting notes, policies, incident reports   (filesystem server)
    web/                 intranet pages served on loopback by serve_web()   (fetch server)
    memory/memory.jsonl  seed knowledge graph                               (memory server)
    sheets/              orders, order lines and sales targets as CSV and XLSX (csv, polars, profiler servers)
    office/              memos and meeting notes as .docx, policies as .pdf (docx, pdf servers)
    handbook/            the shared drive as chapter-structured documents                   (handbook server)
    facts.json           machine-readable facts and where they live         (for task writers)
    world.json           the build manifest (WorldManifest)
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from ruamel.yaml import YAML

from mcpbench.install import home_dir
from mcpbench.world_office import build_office
from mcpbench.world_web import serve_web

SOURCE_DIR = Path(__file__).parent / "data" / "world"
BUILDER_VERSION = 3
"""Bump when the build changes in a way the sources' hash cannot see."""
_COPIED = ("docs", "web", "memory", "db/analytics.sql", "facts.json")
_GIT_TIMEOUT_S = 30.0


class WorldError(Exception):
    """The world could not be built (a broken source, git missing or failing); the message says which step."""


class WorldManifest(BaseModel):
    """world.json: what a built world contains, written last so a world with a manifest is complete."""

    content_hash: str
    """sha256 of the world sources and BUILDER_VERSION; names the build directory."""
    builder_version: int
    git_head: str
    """Commit hash of the repository's default branch tip."""
    git_branches: dict[str, str] = Field(default_factory=dict)
    """Branch name → tip commit hash."""
    git_tags: dict[str, str] = Field(default_factory=dict)
    """Tag name → the commit it points at."""
    git_commits: dict[str, str] = Field(default_factory=dict)
    """Commit id in repo.yaml (c01, …) → commit hash."""
    db_rows: dict[str, int] = Field(default_factory=dict)
    """sqlite table → row count."""
    office_files: dict[str, int] = Field(default_factory=dict)
    """Generated spreadsheet, Word and PDF files (relative path → bytes); see mcpbench.world_office."""


def content_hash(source: Path = SOURCE_DIR) -> str:
    """sha256 over every source file (relative path and bytes) plus BUILDER_VERSION."""
    h = hashlib.sha256(f"mcpbench-world/{BUILDER_VERSION}\n".encode())
    for path in sorted(p for p in source.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        rel = path.relative_to(source).as_posix()
        data = path.read_bytes()
        h.update(f"{rel}\0{len(data)}\0".encode())
        h.update(data)
    return h.hexdigest()


class World:
    """A built world directory. Get one with ``World.ensure()``."""

    def __init__(self, root: Path, manifest: WorldManifest, home: Path) -> None:
        self.root = root
        self.manifest = manifest
        self.home = home

    @classmethod
    def ensure(cls, home: Path | None = None, *, source: Path = SOURCE_DIR) -> World:
        """Return the world for the current sources, building it first when needed (blocking, ~1 s, once).

        Builds in a temporary directory and renames it into place, so concurrent callers never see a half-built
        world. Raises WorldError when a build step fails.
        """
        home = (home or home_dir()).resolve()
        digest = content_hash(source)
        root = home / "world" / digest[:16]
        manifest = _read_manifest(root)
        if manifest is not None and manifest.content_hash == digest:
            return cls(root, manifest, home)
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{digest[:16]}-", dir=root.parent))
        try:
            manifest = _build(source, tmp, digest)
            try:
                tmp.rename(root)
            except OSError:
                # another process finished first (rename onto a non-empty dir fails): use theirs if it is whole
                existing = _read_manifest(root)
                if existing is None:
                    raise WorldError(f"cannot move the built world into {root}") from None
                manifest = existing
        finally:
            if tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)
        return cls(root, manifest, home)

    @property
    def sqlite_path(self) -> Path:
        return self.root / "db" / "company.db"

    @property
    def analytics_sql(self) -> Path:
        return self.root / "db" / "analytics.sql"

    @property
    def repo_dir(self) -> Path:
        return self.root / "repo"

    @property
    def docs_dir(self) -> Path:
        return self.root / "docs"

    @property
    def web_dir(self) -> Path:
        return self.root / "web"

    @property
    def memory_file(self) -> Path:
        return self.root / "memory" / "memory.jsonl"

    @property
    def sheets_dir(self) -> Path:
        return self.root / "sheets"

    @property
    def office_dir(self) -> Path:
        return self.root / "office"

    @property
    def handbook_dir(self) -> Path:
        return self.root / "handbook"

    @property
    def facts_path(self) -> Path:
        return self.root / "facts.json"

    def builtins(self, web_url: str) -> dict[str, str]:
        """Values of the ${...} placeholders the world knows: WORLD, WEB_URL and MCPBENCH_HOME.

        EPISODE_DIR and SERVER_ENV are per episode / per server and filled by the fleet.
        """
        return {"WORLD": str(self.root), "WEB_URL": web_url.rstrip("/"), "MCPBENCH_HOME": str(self.home)}

    def serve_web(self) -> Any:
        """``async with world.serve_web() as base_url``: the intranet pages on a free loopback port."""
        return serve_web(self.web_dir)

    def __repr__(self) -> str:
        return f"World({str(self.root)!r})"


def _read_manifest(root: Path) -> WorldManifest | None:
    try:
        return WorldManifest.model_validate_json((root / "world.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _build(source: Path, out: Path, digest: str) -> WorldManifest:
    for rel in _COPIED:
        src = source / rel
        dst = out / rel
        if not src.exists():
            raise WorldError(f"world source {src} is missing")
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        else:
            shutil.copy2(src, dst)
    db_rows = _build_sqlite(source / "db" / "company.sql", out / "db" / "company.db")
    git = _build_repo(source / "repo" / "repo.yaml", out / "repo")
    office = build_office(out, source / "db" / "analytics.sql")
    manifest = WorldManifest(content_hash=digest, builder_version=BUILDER_VERSION, db_rows=db_rows,
                             office_files=office, **git)
    (out / "world.json").write_text(manifest.model_dump_json(indent=2), encoding="utf-8")
    return manifest


def _build_sqlite(sql_file: Path, db_path: Path) -> dict[str, int]:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(db_path)
    try:
        con.executescript(sql_file.read_text(encoding="utf-8"))
        con.commit()
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
        return {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
    except sqlite3.Error as e:
        raise WorldError(f"{sql_file}: {e}") from None
    finally:
        con.close()


class _Git:
    """git with no user or system config leaking in, every identity and date given explicitly."""

    def __init__(self, repo: Path, scratch_home: Path) -> None:
        self.repo = repo
        self.base_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(scratch_home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "LC_ALL": "C",
            "TZ": "UTC",
        }
        git = shutil.which("git")
        if git is None:
            raise WorldError("git is not on PATH; it is needed to build the world's repository")
        self.git = git

    def __call__(self, *args: str, who: dict[str, str] | None = None, date: str | None = None) -> str:
        env = dict(self.base_env)
        if who is not None and date is not None:
            for role in ("AUTHOR", "COMMITTER"):
                env[f"GIT_{role}_NAME"] = who["name"]
                env[f"GIT_{role}_EMAIL"] = who["email"]
                env[f"GIT_{role}_DATE"] = date
        cmd = [self.git, "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", "-c", "core.autocrlf=false", *args]
        try:
            proc = subprocess.run(cmd, cwd=self.repo, env=env, capture_output=True, text=True,
                                  timeout=_GIT_TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise WorldError(f"git {' '.join(args)} timed out") from None
        if proc.returncode != 0:
            raise WorldError(f"git {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
        return proc.stdout.strip()


def _build_repo(spec_file: Path, repo: Path) -> dict[str, Any]:
    spec = YAML(typ="safe").load(spec_file.read_text(encoding="utf-8"))
    people: dict[str, dict[str, str]] = spec["people"]
    default = spec.get("default_branch", "main")
    repo.mkdir(parents=True)
    scratch = repo.parent / ".git-home"
    scratch.mkdir()
    git = _Git(repo, scratch)
    git("init", "-q", "--template=", f"--initial-branch={default}")
    commits: dict[str, str] = {}
    branches: set[str] = {default}
    current = default
    for c in spec["commits"]:
        branch = c.get("branch", default)
        if branch != current:
            if branch in branches:
                git("checkout", "-q", branch)
            else:
                git("checkout", "-q", "-b", branch, default)
                branches.add(branch)
            current = branch
        for rel, text in (c.get("files") or {}).items():
            path = repo / rel
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(str(text).encode("utf-8"))
            path.chmod(0o644)
        who = people[c["author"]]
        git("add", "-A")
        git("commit", "-q", "--no-verify", "--allow-empty", "-m", c["message"].rstrip("\n"), who=who, date=c["date"])
        commits[c["id"]] = git("rev-parse", "HEAD")
    if current != default:
        git("checkout", "-q", default)
    for t in spec.get("tags", []):
        git("tag", "-a", t["name"], "-m", t["message"], commits[t["commit"]], who=people[t["tagger"]], date=t["date"])
    shutil.rmtree(scratch)
    return {
        "git_head": git("rev-parse", "HEAD"),
        "git_branches": {b: git("rev-parse", f"refs/heads/{b}") for b in sorted(branches)},
        "git_tags": {t["name"]: git("rev-parse", f"{t['name']}^{{commit}}") for t in spec.get("tags", [])},
        "git_commits": commits,
    }


__all__ = ["BUILDER_VERSION", "SOURCE_DIR", "World", "WorldError", "WorldManifest", "content_hash", "serve_web"]
