"""`discover --probe` against real stdio subprocesses: good, missing, hanging and secret-needing servers at once."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import anyio
import pytest

from mcpbench.discover import probe, read_file

pytestmark = pytest.mark.anyio
TOY = Path(__file__).resolve().parents[1] / "fleet" / "servers" / "toy_server.py"


def _config(tmp_path: Path) -> Path:
    f = tmp_path / "claude_desktop_config.json"
    f.write_text(json.dumps({"mcpServers": {
        "toy": {"command": sys.executable, "args": [str(TOY)]},
        "missing": {"command": str(tmp_path / "no-such-server")},
        "hangs": {"command": "sleep", "args": ["60"]},
        "needs-key": {"command": sys.executable, "args": [str(TOY)],
                      "env": {"TOY_API_KEY": "sk-FAKEprobe0123456789abcdef"}},
    }}))
    return f


async def test_probe_reports_each_server_without_one_bad_server_blocking_the_others(tmp_path, monkeypatch):
    monkeypatch.delenv("TOY_API_KEY", raising=False)
    found, _ = read_file(_config(tmp_path))
    t0 = time.perf_counter()
    with anyio.fail_after(90):
        results = await probe(found, timeout=15.0, log_dir=tmp_path / "logs")
    elapsed = time.perf_counter() - t0
    by = {s.name: r for s, r in zip(found, results)}
    assert by["toy"].status == "connected"
    assert by["toy"].tools == TOY.read_text().count("@mcp.tool")
    assert by["toy"].version == "1.2.3"
    assert by["missing"].status == "failed" and by["missing"].error
    assert by["hangs"].status == "failed"
    assert by["needs-key"].status == "skipped" and by["needs-key"].error == "set TOY_API_KEY to probe it"
    assert elapsed < 15.0 + 15.0  # the probe deadline plus shutdown grace, not the hanging server's 60 s


async def test_a_server_whose_variables_are_set_is_probed_with_them(tmp_path, monkeypatch):
    monkeypatch.setenv("TOY_API_KEY", "anything")
    found, _ = read_file(_config(tmp_path))
    needs_key = [s for s in found if s.name == "needs-key"]
    with anyio.fail_after(40):
        (result,) = await probe(needs_key, timeout=20.0, log_dir=tmp_path / "logs")
    assert result.status == "connected"
