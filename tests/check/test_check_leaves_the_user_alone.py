"""Issue 17 item 6: `check` changes nothing the user did not ask it to. Run from inside a git repository with
uncommitted work, a check of a server whose tools stash, clean, commit and init leaves that work where it was: only
tools known to be read-only are called, and the server runs in a scratch directory."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from check_helpers import FIXTURES
from typer.testing import CliRunner

from mcpbench.check import CheckOptions, Target, observe
from mcpbench.cli import app

runner = CliRunner()
SERVER = [sys.executable, str(FIXTURES / "git_mutator.py")]
GIT_ID = ["-c", "user.name=t", "-c", "user.email=t@example.invalid"]


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *GIT_ID, *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository with one commit, an uncommitted change to a tracked file and an untracked file."""
    r = tmp_path / "work"
    r.mkdir()
    git(r, "init", "-q")
    (r / "tracked.txt").write_text("committed\n")
    git(r, "add", "tracked.txt")
    git(r, "commit", "-q", "-m", "first")
    (r / "tracked.txt").write_text("committed\nuncommitted edit\n")
    (r / "notes-untracked.txt").write_text("my notes\n")
    return r


def state(repo: Path) -> tuple[str, str, str, bool]:
    return (git(repo, "status", "--porcelain"), git(repo, "stash", "list"), git(repo, "rev-list", "--count", "HEAD"),
            (repo / "notes-untracked.txt").exists())


def test_a_check_run_inside_a_repository_leaves_its_uncommitted_work_alone(repo: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    before = state(repo)
    monkeypatch.chdir(repo)
    res = runner.invoke(app, ["check", "--json", "--call-timeout", "10", "--", *SERVER], catch_exceptions=False)
    report = json.loads(res.stdout)
    assert state(repo) == before
    assert (repo / "tracked.txt").read_text() == "committed\nuncommitted edit\n"
    assert (repo / "notes-untracked.txt").read_text() == "my notes\n"
    tools = {t["name"]: t for t in report["tools"]}
    # the read-only tools are still probed: the robustness checks keep their meaning
    assert tools["git_status"]["calls"] >= 1 and tools["git_log"]["calls"] >= 1 and tools["show_cwd"]["calls"] >= 1
    for name in ("git_stash", "git_clean", "git_commit", "git_init"):
        assert tools[name]["calls"] == 0, name
        assert tools[name]["skipped"].startswith("may change state: not declared read-only"), tools[name]
    coverage = next(r for r in report["results"] if r["id"] == "robustness.coverage")
    assert coverage["summary"] == "3 of 7 tools called"
    assert any("--allow-destructive" in d for d in coverage["details"])


def test_allowing_destructive_calls_in_the_repository_really_changes_it(repo: Path) -> None:
    """The control: the same server, let loose on the repository with --allow-destructive --cwd, does change it
    (so the test above proves the check's restraint, not a harmless fixture)."""
    before = state(repo)
    res = runner.invoke(app, ["check", "--json", "--allow-destructive", "--cwd", str(repo), "--call-timeout", "10",
                              "--", *SERVER], catch_exceptions=False)
    report = json.loads(res.stdout)
    assert {t["name"] for t in report["tools"] if t["calls"]} >= {"git_stash", "git_clean", "git_commit"}
    assert state(repo) != before
    assert not (repo / "notes-untracked.txt").exists()  # stashed with --include-untracked, or cleaned


@pytest.mark.anyio
async def test_a_server_runs_in_a_scratch_directory_unless_a_cwd_is_given(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    async def cwd_seen(target: Target) -> str:
        with anyio.fail_after(120):
            obs = await observe(target, CheckOptions(call_timeout_s=10))
        return next(r.text_head for r in obs.calls if r.tool == "show_cwd" and r.result == "ok")

    scratch = await cwd_seen(Target.from_command(SERVER))
    assert Path(scratch).name.startswith("mcpbench-check-cwd-") and Path(scratch) != tmp_path
    assert not Path(scratch).exists()  # deleted after the check
    assert await cwd_seen(Target.from_command(SERVER, cwd=str(tmp_path))) == str(tmp_path)


def test_cwd_must_be_a_directory_and_only_applies_to_a_command(tmp_path: Path) -> None:
    res = runner.invoke(app, ["check", "--cwd", str(tmp_path / "nope"), "--", *SERVER])
    assert res.exit_code == 2 and "is not a directory" in res.output
    res = runner.invoke(app, ["check", "--cwd", str(tmp_path), "--url", "http://127.0.0.1:9/mcp"])
    assert res.exit_code == 2 and "--cwd only applies" in res.output
