"""Private splits by secret seed (issue 21 item 6): a maintainer synthesizes a suite from a secret, publishes only its
hash and a commitment, and `verify` and the leaderboard say which split a row was scored on."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest
from report_builders import make_run
from typer.testing import CliRunner

from mcpbench.bundle import verify_bundle, write_bundle
from mcpbench.cli import app
from mcpbench.leaderboard import write_leaderboard
from mcpbench.report.results import RunData
from mcpbench.splits import (
    SplitError,
    SplitRegistry,
    identify,
    private_record,
    read_secret,
    reveal,
    secret_seed,
    seed_commitment,
    write_secret,
)
from task_synth.task import Suite, suite_path

ATLAS = Path(__file__).resolve().parents[1] / "synth" / "servers" / "atlas_server.py"


def _mcpbench(*args: str) -> tuple[int, str]:
    res = CliRunner().invoke(app, list(args))
    return res.exit_code, res.output


def test_a_secret_is_256_bits_written_private_and_never_overwritten(tmp_path):
    path = tmp_path / "secret"
    secret = write_secret(path)
    assert len(secret) == 64 and int(secret, 16) >= 0
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(SplitError, match="never overwritten"):
        write_secret(path)
    assert read_secret(path) == secret
    (tmp_path / "short").write_text("hunter2\n")
    with pytest.raises(SplitError, match="at least 32"):
        read_secret(tmp_path / "short")


def test_the_seed_and_the_commitment_are_deterministic_distinct_and_reveal_nothing_of_each_other():
    a, b = "a" * 64, "b" * 64
    assert secret_seed(a) == secret_seed(a) != secret_seed(b)
    assert 0 <= secret_seed(a) < 2**63
    assert seed_commitment(a) == seed_commitment(a) != seed_commitment(b)
    assert str(secret_seed(a)) not in seed_commitment(a) and a not in seed_commitment(a)


def _suite_with_seed(path: Path, seed: int | None) -> Path:
    core = Suite.load(suite_path("smoke"))
    tasks = [t.model_copy(update={"provenance": t.provenance.model_copy(update={"seed": seed})}) for t in core.tasks]
    Suite(name="priv", tasks=tasks).dump(path)
    return path


def test_a_private_record_holds_the_hash_and_commitment_and_refuses_a_suite_made_with_another_seed(tmp_path):
    secret = "c" * 64
    good = _suite_with_seed(tmp_path / "good.jsonl", secret_seed(secret))
    record = private_record(good, "q4", secret)
    assert record.kind == "private" and record.suite_sha256 == Suite.load(good).sha256
    assert record.seed_commitment == seed_commitment(secret) and record.revealed_secret is None
    with pytest.raises(SplitError, match="not synthesized with this secret's seed"):
        private_record(_suite_with_seed(tmp_path / "bad.jsonl", 7), "q4", secret)
    reg = SplitRegistry()
    reg.add(record)
    with pytest.raises(SplitError, match="already registered"):
        reg.add(record)
    with pytest.raises(SplitError, match="does not match"):
        reveal(reg, "q4", "d" * 64)
    assert reveal(reg, "q4", secret).revealed_secret == secret


def test_identify_names_shipped_registered_and_unlisted_suites():
    core = Suite.load(suite_path("core")).sha256
    assert identify(core).model_dump(include={"kind", "name"}) == {"kind": "public", "name": "core"}
    reg = SplitRegistry.model_validate({"splits": [{"name": "q4", "kind": "private", "suite_sha256": "ab" * 32,
                                                    "tasks": 5, "seed_commitment": "0" * 64}]})
    assert identify("ab" * 32, reg).describe() == "private split 'q4' (sha256 abababababab)"
    assert identify("cd" * 32, reg).kind == "unlisted"


def test_verify_and_the_leaderboard_show_which_split_each_row_was_scored_on(tmp_path):
    run = make_run(tmp_path / "run")
    sha = RunData.load(run).spec["suite_sha256"]
    bundle = write_bundle(run, tmp_path / "run.tar.gz")
    assert verify_bundle(bundle).split.kind == "unlisted"
    registry = tmp_path / "splits.json"
    SplitRegistry.model_validate({"splits": [{"name": "private-2026q4", "kind": "private", "suite_sha256": sha,
                                              "tasks": 2, "seed_commitment": "0" * 64}]}).save(registry)
    report = verify_bundle(bundle, splits=SplitRegistry.load(registry))
    assert report.ok and report.split.kind == "private" and report.split.name == "private-2026q4"
    code, out = _mcpbench("verify", str(bundle), "--splits", str(registry))
    assert code == 0 and "scored on: private split 'private-2026q4'" in " ".join(out.split())
    code, out = _mcpbench("leaderboard", str(bundle), "--out", str(tmp_path / "board"), "--splits", str(registry))
    assert code == 0, out
    board = json.loads((tmp_path / "board" / "leaderboard.json").read_text())
    assert board["groups"][0]["split"]["kind"] == "private"
    assert {r["split"] for r in board["groups"][0]["rows"]} == {"private private-2026q4"}
    md = (tmp_path / "board" / "leaderboard.md").read_text()
    assert "private private-2026q4 split" in md and "| private private-2026q4 |" in md
    lb, _ = write_leaderboard([bundle], tmp_path / "board2")
    assert lb.groups[0].rows[0].split == "unlisted"


@pytest.mark.integration
@pytest.mark.timeout(600)
def test_a_maintainer_synthesizes_a_private_split_from_a_secret_and_publishes_only_its_hash(tmp_path):
    """Real synthesis on a real stdio server (the atlas test server): the same secret gives the same bytes, another
    secret another suite, and the registry holds neither the secret, the seed nor any task text."""
    cfg = tmp_path / "servers.yaml"
    cfg.write_text(f"servers:\n  - name: atlas\n    command: {sys.executable}\n    args: [{ATLAS}]\n")
    for name in ("s1", "s2"):
        assert _mcpbench("splits", "secret", str(tmp_path / name))[0] == 0
    code, _ = _mcpbench("splits", "secret", str(tmp_path / "s1"))
    assert code == 2  # never overwritten

    def synth(secret: str, out: str) -> dict:
        res = CliRunner().invoke(app, ["synth", "--config", str(cfg), "--servers", "atlas", "--n", "3", "--name",
                                       "priv", "--secret-file", str(tmp_path / secret), "--out", str(tmp_path / out),
                                       "--json"])
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)  # hints go to stderr (the atlas server is shared and has a write tool)

    first, again, other = synth("s1", "a.jsonl"), synth("s1", "b.jsonl"), synth("s2", "c.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert first["sha256"] != other["sha256"]
    secret = read_secret(tmp_path / "s1")
    assert first["private_split"]["seed_commitment"] == seed_commitment(secret) and again["sha256"] == first["sha256"]
    assert _mcpbench("synth", "--config", str(cfg), "--servers", "atlas", "--seed", "3", "--secret-file",
                     str(tmp_path / "s1"), "--out", str(tmp_path / "x.jsonl"))[0] == 2
    registry = tmp_path / "splits.json"
    code, text = _mcpbench("splits", "add", str(tmp_path / "a.jsonl"), "--name", "private-1", "--secret-file",
                           str(tmp_path / "s1"), "--registry", str(registry))
    assert code == 0, text
    code, text = _mcpbench("splits", "add", str(tmp_path / "c.jsonl"), "--name", "private-2", "--secret-file",
                           str(tmp_path / "s1"), "--registry", str(registry))
    assert code == 2 and "not synthesized with this secret's seed" in " ".join(text.split())
    published = registry.read_text()
    assert first["sha256"] in published and seed_commitment(secret) in published
    assert secret not in published and str(secret_seed(secret)) not in published
    assert not any(t.fuzzy in published for t in Suite.load(tmp_path / "a.jsonl").tasks)
    code, text = _mcpbench("splits", "list", "--registry", str(registry))
    assert code == 0 and "private-1" in text and "core" in text
    code, text = _mcpbench("splits", "reveal", "private-1", "--secret-file", str(tmp_path / "s2"), "--registry",
                           str(registry))
    assert code == 2 and "does not match" in text
    assert _mcpbench("splits", "reveal", "private-1", "--secret-file", str(tmp_path / "s1"), "--registry",
                     str(registry))[0] == 0
    assert SplitRegistry.load(registry).splits[0].revealed_secret == secret
