"""`mcpbench bundle` / `mcpbench verify`: deterministic bundles; any flipped byte and any forged number is caught."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Callable

import pytest
from report_builders import make_run
from typer.testing import CliRunner

from mcpbench.bundle import MEMBERS, SUMS, read_members, verify_bundle, verify_bytes, write_bundle
from mcpbench.bundle.format import canonical_tar, encode, gzip_bytes, sums
from mcpbench.cli import app
from mcpbench.report.results import RunData, build_results


@pytest.fixture
def bundle(synthetic_run, tmp_path):
    return write_bundle(synthetic_run, tmp_path / "run.tar.gz").read_bytes()


def _members(blob: bytes) -> dict[str, bytes]:
    members, problems, _ = read_members(blob)
    assert not problems
    return members


def _edit(blob: bytes, name: str, change: Callable[[bytes], bytes], *, fix_sums: bool) -> bytes:
    """The bundle with one member changed, re-encoded canonically (so only that member differs)."""
    members = _members(blob)
    members[name] = change(members[name])
    if fix_sums:
        members[SUMS] = sums(members)
    return encode(members)


def _edit_json_lines(blob: bytes, name: str, change: Callable[[dict], None]) -> bytes:
    def apply(data: bytes) -> bytes:
        lines = [json.loads(x) for x in data.decode().splitlines()]
        for obj in lines:
            change(obj)
        return "".join(json.dumps(x, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
                       for x in lines).encode()

    return _edit(blob, name, apply, fix_sums=True)


def test_the_same_run_bundles_to_the_same_bytes_with_sorted_names_and_fixed_metadata(synthetic_run, tmp_path):
    a = write_bundle(synthetic_run, tmp_path / "a.tar.gz").read_bytes()
    b = write_bundle(synthetic_run, tmp_path / "b" / "b.tar.gz").read_bytes()
    assert a == b
    with tarfile.open(fileobj=io.BytesIO(a), mode="r:gz") as tar:
        infos = tar.getmembers()
    assert [i.name for i in infos] == sorted([*MEMBERS, SUMS])
    assert {(i.mtime, i.uid, i.gid, i.uname, i.gname, i.mode) for i in infos} == {(0, 0, 0, "", "", 0o644)}
    assert a[4:8] == b"\0\0\0\0"  # no timestamp in the gzip header either


def test_a_bundle_holds_the_trajectories_scores_and_results_with_a_sha256sums_file(bundle, synthetic_run):
    members = _members(bundle)
    listed = dict(reversed(line.split("  ")) for line in members[SUMS].decode().splitlines())
    assert listed == {n: hashlib.sha256(members[n]).hexdigest() for n in MEMBERS}
    trajectories = [json.loads(x) for x in members["trajectories.jsonl"].decode().splitlines()]
    scores = [json.loads(x) for x in members["scores.jsonl"].decode().splitlines()]
    assert len(trajectories) == len(scores) == 12
    assert [t["episode_id"] for t in trajectories] == [s["episode_id"] for s in scores]
    assert json.loads(members["results.json"]) == build_results(RunData.load(synthetic_run)).model_dump(mode="json")
    assert json.loads(members["bundle.json"])["episodes"] == 12


def test_an_untouched_bundle_verifies_with_every_score_recomputed(bundle):
    report = verify_bytes(bundle)
    assert report.ok, report.differences
    assert report.episodes == 12 and report.run_id and not report.warnings


def test_a_bundle_of_a_real_run_verifies(real_run, tmp_path):
    report = verify_bundle(write_bundle(real_run, tmp_path / "real.tar.gz"))
    assert report.ok, report.differences
    assert report.results["scores"]["models"]["scripted/oracle"]["overall"]["mean"] >= 0.95


@pytest.mark.parametrize("member", [*MEMBERS, SUMS])
def test_flipping_one_byte_of_any_member_fails_verification_and_names_it(bundle, member):
    def flip(data: bytes) -> bytes:
        i = len(data) // 2
        return data[:i] + bytes([data[i] ^ 0x01]) + data[i + 1:]

    report = verify_bytes(_edit(bundle, member, flip, fix_sums=False))
    assert not report.ok
    assert any(member in d for d in report.differences), report.differences


def test_flipping_any_byte_of_the_gzip_stream_fails_verification(bundle):
    """Every position, two masks: 0xFF changes every bit; 0x80 alone can hit deflate bits that leave the decompressed
    bytes unchanged (caught only because the stream must be the one mcpbench writes)."""
    missed = []
    for mask in (0xFF, 0x80):
        for i in range(len(bundle)):
            flipped = bytearray(bundle)
            flipped[i] ^= mask
            if read_members(bytes(flipped))[1] == []:
                missed.append((i, mask))
    assert missed == []
    some = bytearray(bundle)
    some[len(bundle) // 2] ^= 0xFF
    assert not verify_bytes(bytes(some)).ok


def test_trailing_bytes_and_a_truncated_stream_are_refused(bundle):
    assert any("trailing" in d for d in verify_bytes(bundle + b"\0").differences)
    assert not verify_bytes(bundle[:-5]).ok
    assert not verify_bytes(b"").ok


def test_a_forged_episode_score_with_updated_sums_is_caught_by_recomputation(bundle):
    def inflate(line: dict) -> None:
        if line["episode_id"] == "m-bad.sum-1.r0":
            line["score"]["overall"] = 0.9

    report = verify_bytes(_edit_json_lines(bundle, "scores.jsonl", inflate))
    assert not report.ok
    assert any(d.startswith("scores.jsonl: m-bad.sum-1.r0: overall: claimed 0.9, recomputed") for d in
               report.differences), report.differences


def test_a_trajectory_edited_to_pass_no_longer_matches_its_claimed_score(bundle):
    def answer_right(ep: dict) -> None:
        if ep["episode_id"] == "m-bad.sum-1.r0":
            ep["trajectory"]["final_answer"] = "You have 10."

    report = verify_bytes(_edit_json_lines(bundle, "trajectories.jsonl", answer_right))
    assert not report.ok
    assert any("m-bad.sum-1.r0" in d and "passed" in d for d in report.differences), report.differences


def test_an_inflated_aggregate_in_results_json_is_caught(bundle):
    def inflate(data: bytes) -> bytes:
        doc = json.loads(data)
        doc["scores"]["models"]["m/bad"]["overall"]["mean"] = 0.8
        return json.dumps(doc).encode()

    report = verify_bytes(_edit(bundle, "results.json", inflate, fix_sums=True))
    assert not report.ok
    assert any("results.json: scores.models.m/bad.overall.mean: claimed 0.8" in d for d in report.differences)


def test_judge_scores_that_do_not_follow_from_the_raw_judge_output_are_caught(bundle):
    def kinder_judge(line: dict) -> None:
        panel = line["score"].get("panel")
        if line["episode_id"] == "m-bad.note-7.r0" and panel:
            panel["judgements"][0]["scores"] = {d: 10.0 for d in panel["judgements"][0]["scores"]}

    report = verify_bytes(_edit_json_lines(bundle, "scores.jsonl", kinder_judge))
    assert not report.ok
    assert any("m-bad.note-7.r0: judgement j/a#0: scores do not follow" in d for d in report.differences)


def test_an_edited_spec_no_longer_hashes_to_the_run_id(bundle):
    def reseed(data: bytes) -> bytes:
        spec = json.loads(data)
        spec["seed"] = 8
        return json.dumps(spec).encode()

    report = verify_bytes(_edit(bundle, "spec.json", reseed, fix_sums=True))
    assert not report.ok and any("run id" in d for d in report.differences)


def test_a_deleted_episode_and_an_unplanned_one_are_both_reported(bundle):
    def drop_and_rename(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        ep = json.loads(lines[0])
        ep["episode_id"] = ep["trajectory"]["episode_id"] = "m-evil.sum-1.r0"
        return ("\n".join([json.dumps(ep), *lines[2:]]) + "\n").encode()

    report = verify_bytes(_edit(bundle, "trajectories.jsonl", drop_and_rename, fix_sums=True))
    assert not report.ok
    text = "\n".join(report.differences)
    assert "not an episode of this run's plan" in text and "has no score" in text


def test_a_repacked_archive_with_other_metadata_is_refused(bundle):
    members = _members(bundle)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(members[name]), 1_800_000_000
            tar.addfile(info, io.BytesIO(members[name]))
    assert canonical_tar(members) != buf.getvalue()
    report = verify_bytes(gzip_bytes(buf.getvalue()))
    assert not report.ok and any("canonical" in d for d in report.differences)


def test_bundle_and_verify_commands_exit_0_when_all_matches_and_1_with_the_differences(synthetic_run, tmp_path):
    runner = CliRunner()
    out = tmp_path / "b.tar.gz"
    res = runner.invoke(app, ["bundle", str(synthetic_run), "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert hashlib.sha256(out.read_bytes()).hexdigest() in res.output
    res = runner.invoke(app, ["verify", str(out)])
    assert res.exit_code == 0 and "verified" in res.output
    forged = tmp_path / "forged.tar.gz"
    forged.write_bytes(_edit(out.read_bytes(), "scores.jsonl", lambda d: d.replace(b'"passed":false', b'"passed":true',
                                                                                    1), fix_sums=True))
    res = runner.invoke(app, ["verify", str(forged), "--json"])
    assert res.exit_code == 1
    verdict = json.loads(res.stdout)
    assert verdict["ok"] is False and any("passed: claimed true, recomputed false" in d for d in verdict["differences"])


def test_bundling_a_directory_that_is_not_a_run_fails_cleanly(tmp_path):
    res = CliRunner().invoke(app, ["bundle", str(tmp_path), "-o", str(tmp_path / "x.tar.gz")])
    assert res.exit_code == 2 and "not a run directory" in " ".join(res.output.split())
    res = CliRunner().invoke(app, ["verify", str(tmp_path / "missing.tar.gz")])
    assert res.exit_code == 2


def test_a_partial_run_can_be_bundled_and_verified_and_says_it_is_partial(tmp_path):
    run = make_run(tmp_path / "run", models=("m/good",), repeats=1, state="partial")
    res = CliRunner().invoke(app, ["bundle", str(run), "-o", str(tmp_path / "p.tar.gz")])
    assert res.exit_code == 0 and "partial" in res.output
    report = verify_bundle(tmp_path / "p.tar.gz")
    assert report.ok and report.results["run"]["state"] == "partial"
