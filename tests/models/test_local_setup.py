"""`mcpbench models install` proves the runtime: it starts the server on the weights and generates a few tokens, and
a runtime that dies says why (the signal or exit code, the cause, the remedy).

The failing runtimes are real processes given by $MCPBENCH_LLAMA_SERVER: a script that kills itself with SIGILL at
start-up (what a native llama.cpp build does on a VM that advertises AMX and traps it), and one that fails the way
the dynamic loader does when a shared library is missing.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from mcpbench.cli.models_local import register_local
from mcpbench.models.local_server import Runtime, binary_runtime, explain_exit
from mcpbench.models.local_setup import RuntimeProofError, ensure_local_model


def _app() -> typer.Typer:
    app = typer.Typer()
    register_local(app)
    app.command("noop")(lambda: None)  # a group with two commands keeps `install` as a subcommand
    return app


def _script(tmp_path, name: str, body: str):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def test_a_runtime_killed_by_sigill_at_startup_fails_the_install_with_the_cause_and_the_remedy(
        tmp_path, fake_home, monkeypatch):
    """Pins issue 17: a native llama.cpp build died with SIGILL on an AMX-advertising VM and install said 'ready'."""
    dies = _script(tmp_path, "llama-server-sigill", "echo 'about to run an AMX tile instruction' >&2\nkill -ILL $$\n")
    monkeypatch.setenv("MCPBENCH_LLAMA_SERVER", str(dies))
    result = CliRunner().invoke(_app(), ["install", "local/fake-model", "--home", str(fake_home)])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "killed by SIGILL (illegal instruction)" in text
    assert "-DGGML_NATIVE=OFF" in text and "unset $MCPBENCH_LLAMA_SERVER" in text
    assert "about to run an AMX tile instruction" in text  # the log tail
    as_json = CliRunner().invoke(_app(), ["install", "local/fake-model", "--home", str(fake_home), "--json"])
    assert as_json.exit_code == 1
    out = json.loads(as_json.stdout)
    assert out["ok"] is False and "SIGILL" in out["error"]


def test_a_runtime_missing_a_shared_library_names_the_library_and_the_package(tmp_path, fake_home, monkeypatch):
    broken = _script(tmp_path, "llama-server-nolib", "echo 'llama-server: error while loading shared libraries: "
                     "libgomp.so.1: cannot open shared object file: No such file or directory' >&2\nexit 127\n")
    monkeypatch.setenv("MCPBENCH_LLAMA_SERVER", str(broken))
    with pytest.raises(RuntimeProofError, match=r"missing shared library libgomp\.so\.1.*apt-get install libgomp1"):
        ensure_local_model("fake-model", fake_home)


def test_a_passed_proof_is_remembered_and_not_run_again(tmp_path, fake_home):
    _, _, first = ensure_local_model("fake-model", fake_home)
    assert first is not None and first.model == "fake-model"
    logs = sorted((fake_home / "logs").glob("llama-server-proof-*.log"))
    assert len(logs) == 1 and "fake llama-server pid" in logs[0].read_text()
    _, _, again = ensure_local_model("fake-model", fake_home, rehash=False)
    assert again == first
    assert sorted((fake_home / "logs").glob("llama-server-proof-*.log")) == logs  # no second server started


def test_exit_explanations_name_signals_exit_codes_and_missing_libraries():
    assert explain_exit(-9).startswith("killed by SIGKILL: most often the kernel's out-of-memory killer")
    assert explain_exit(-11).startswith("killed by SIGSEGV")
    assert explain_exit(3) == "exited with code 3"
    portable = Runtime(kind="xllamacpp", command=("python", "-m", "mcpbench.models.llama_serve"), version="1")
    assert "needs AVX2, FMA and F16C" in explain_exit(-4, runtime=portable)  # the baseline itself is missing
    assert "-DGGML_NATIVE=OFF" in explain_exit(-4, runtime=binary_runtime(Path("/opt/llama-server")))
    assert "reinstall" in explain_exit(127)
    assert "apt-get install libstdc++6" in explain_exit(1, "x: libstdc++.so.6: cannot open shared object file")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/cpuinfo")
def test_the_proof_key_includes_this_cpu():
    from mcpbench.models.local_setup import cpu_signature

    assert "flags:" in cpu_signature()
