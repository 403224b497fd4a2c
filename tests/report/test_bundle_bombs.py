"""`mcpbench verify` on hostile bundles: decompression bombs, huge members and endless entry lists are refused with
exit 1, a clear reason, and bounded memory (issue 21 item 7: the whole gzip stream used to be inflated in memory)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from bombs import GiB, MiB, many_members_bomb, member_bomb, text_bomb, zeros_bomb

from mcpbench.bundle import MEMBERS, SUMS, ReadLimits, read_bundle, verify_bundle, write_bundle
from mcpbench.bundle.format import canonical_tar, encode
from mcpbench.bundle.reader import CHUNK

ROOT = Path(__file__).resolve().parents[2]
RSS_LIMIT_MB = 300


def _verify_in_child(bundle: Path) -> tuple[int, str, float]:
    """Run `mcpbench verify BUNDLE` as a grandchild and return (exit code, stderr, its peak RSS in MB). The
    intermediate process has no other children, so RUSAGE_CHILDREN's ru_maxrss is the verifier's own peak."""
    probe = textwrap.dedent(f"""
        import json, resource, subprocess, sys
        p = subprocess.run([sys.executable, "-m", "mcpbench.cli", "verify", {str(bundle)!r}], capture_output=True,
                           text=True, timeout=300)
        rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(json.dumps({{"rc": p.returncode, "err": p.stderr, "rss_mb": rss}}))
    """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=360, env=env)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    return got["rc"], got["err"], got["rss_mb"]


@pytest.mark.parametrize(("build", "reason"), [
    (lambda p: zeros_bomb(p, GiB), "decompresses to more than 192 MiB"),
    (lambda p: member_bomb(p, GiB), "declares 1073741824 bytes, more than 192 MiB, the per-member cap"),
    (lambda p: text_bomb(p, [*MEMBERS, SUMS], 40 * MiB), "decompresses to more than 192 MiB"),
], ids=["gzip-of-1GiB-zeros", "one-1GiB-member", "nine-40MiB-text-members"])
def test_a_decompression_bomb_is_refused_with_exit_1_and_peak_rss_under_300_mb(tmp_path, build, reason):
    bomb = build(tmp_path / "bomb.tar.gz")
    assert bomb.stat().st_size < 2 * MiB  # small on disk, 360 MiB to 1 GiB inflated
    rc, err, rss_mb = _verify_in_child(bomb)
    assert rc == 1, err
    assert "refused" in err and reason in " ".join(err.split()), err
    assert rss_mb < RSS_LIMIT_MB, f"peak RSS {rss_mb:.0f} MB"


def test_a_member_over_the_per_member_cap_is_refused_at_its_header_before_its_data_is_read(tmp_path):
    bomb = member_bomb(tmp_path / "bomb.tar.gz", GiB)
    with bomb.open("rb") as f:
        got = read_bundle(f)
    assert got.problems == [got.problems[0]] and "per-member cap" in got.problems[0]
    assert got.size <= CHUNK < bomb.stat().st_size
    assert not got.members and got.sha256 == ""


def test_members_that_add_up_past_the_total_cap_are_refused_however_each_is_sized(tmp_path):
    bomb = text_bomb(tmp_path / "text.tar.gz", [*MEMBERS], 2 * MiB)
    report = verify_bundle(bomb, ReadLimits(max_total_bytes=8 * MiB, max_member_bytes=4 * MiB))
    assert not report.ok
    assert report.differences == [report.differences[0]]
    assert "decompresses to more than 8 MiB" in report.differences[0]


def test_more_entries_than_the_cap_are_refused(tmp_path):
    bomb = many_members_bomb(tmp_path / "many.tar.gz", 100_000)
    report = verify_bundle(bomb)
    assert not report.ok and report.differences == ["refused: the archive holds more than 32 entries, the cap (a "
                                                    "bundle has 9)"]


def test_a_bundle_file_larger_than_the_cap_is_refused_before_it_is_read_whole(tmp_path):
    big = tmp_path / "big.tar.gz"
    big.write_bytes(os.urandom(3 * MiB))
    with big.open("rb") as f:
        got = read_bundle(f, ReadLimits(max_total_bytes=MiB))
    assert any("the bundle file is larger than 1 MiB" in p for p in got.problems), got.problems
    assert got.size <= MiB + CHUNK


def test_a_member_holding_a_nul_byte_is_refused_as_not_text(tmp_path, synthetic_run):
    blob = write_bundle(synthetic_run, tmp_path / "ok.tar.gz").read_bytes()
    got = read_bundle(io.BytesIO(blob))
    members = dict(got.members)
    members["tasks.jsonl"] += b"\0"
    report = read_bundle(io.BytesIO(encode(members)))
    assert report.problems == ["refused: member tasks.jsonl contains a NUL byte: it is not the text a bundle holds"]


def test_the_caps_are_exact_a_real_bundle_passes_at_its_own_size_and_is_refused_one_byte_below(tmp_path,
                                                                                                synthetic_run):
    path = write_bundle(synthetic_run, tmp_path / "run.tar.gz")
    members = read_bundle(io.BytesIO(path.read_bytes())).members
    total, biggest = len(canonical_tar(members)), max(map(len, members.values()))
    assert verify_bundle(path, ReadLimits(max_total_bytes=total, max_member_bytes=biggest)).ok
    under_total = verify_bundle(path, ReadLimits(max_total_bytes=total - 1, max_member_bytes=biggest))
    under_member = verify_bundle(path, ReadLimits(max_total_bytes=total, max_member_bytes=biggest - 1))
    assert not under_total.ok and "decompresses to more than" in under_total.differences[0]
    assert not under_member.ok and "per-member cap" in under_member.differences[0]


def test_verify_max_mib_raises_the_cap_for_a_large_honest_bundle(tmp_path, synthetic_run):
    from typer.testing import CliRunner

    from mcpbench.cli import app

    path = write_bundle(synthetic_run, tmp_path / "run.tar.gz")
    assert CliRunner().invoke(app, ["verify", str(path), "--max-mib", "1"]).exit_code == 0
    bomb = text_bomb(tmp_path / "text.tar.gz", ["a.json", "b.json"], 2 * MiB)
    res = CliRunner().invoke(app, ["verify", str(bomb), "--max-mib", "1"])
    assert res.exit_code == 1 and "more than 1 MiB" in " ".join(res.output.split())
