"""`mcpbench run` with no arguments: the local model by default, and a clear message when it is missing."""

from __future__ import annotations

from typer.testing import CliRunner

from mcpbench.cli import app


def test_run_without_arguments_says_how_to_install_the_missing_local_model(tmp_path, monkeypatch):
    monkeypatch.setenv("MCPBENCH_HOME", str(tmp_path / "empty-home"))
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "local/qwen2.5-coder-1.5b is not installed" in text
    assert "mcpbench models install local/qwen2.5-coder-1.5b" in text
