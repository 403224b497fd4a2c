"""Shared fixtures: real subprocess servers from tests/, the default fleet config, anyio backend.

Set-up on first use: when the collected tests include `integration` tests and some default-fleet server is not
installed, `devset("name", ...)` tests whose development-set servers (benchmarks/devset.servers.yaml) are not
installed, or `local_model` tests and the local model is not installed and proven, the session installs them first
(with progress on the terminal), so `uv run pytest` passes on a fresh clone. MCPBENCH_TEST_SETUP=0 turns this off.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOY = ROOT / "tests" / "fleet" / "servers" / "toy_server.py"
TEST_MODEL = "qwen2.5-coder-1.5b"
"""The local model the `local_model` tests use."""


def _set_up(session: pytest.Session, fleet: bool, model: bool, devset: set[str]) -> None:
    from rich.console import Console

    from mcpbench.cli.first_use import install_fleet, install_local, missing_servers
    from mcpbench.config import load_config
    from mcpbench.models.local_setup import proven
    from mcpbench.models.local_weights import LocalModelError, WeightsError, verified_weights

    specs = load_config(ROOT / "servers.yaml").enabled() if fleet else []
    if devset:
        specs += [s for s in load_config(ROOT / "benchmarks" / "devset.servers.yaml").servers if s.name in devset]
    todo = missing_servers(specs)
    need_model = False
    if model:
        try:
            verified_weights(TEST_MODEL)
            need_model = proven(TEST_MODEL) is None
        except (WeightsError, LocalModelError):
            need_model = True
    if not todo and not need_model:
        return
    capman = session.config.pluginmanager.getplugin("capturemanager")
    out = Console(stderr=True)
    with capman.global_and_fixture_disabled():
        out.print("[bold]test set-up:[/] installing what the selected tests need (once; MCPBENCH_TEST_SETUP=0 skips)")
        failed = [r.name for r in install_fleet(todo, out) if r.status == "failed"]
        if failed:
            out.print(f"[yellow]servers that did not install: {', '.join(failed)}[/] (their tests will fail)")
        if need_model:
            try:
                install_local(TEST_MODEL, out, rehash=False)
            except LocalModelError as e:
                pytest.exit(f"the local model could not be set up: {e}", returncode=1)


def pytest_collection_finish(session: pytest.Session) -> None:
    if os.environ.get("MCPBENCH_TEST_SETUP", "1") == "0" or session.config.option.collectonly:
        return
    fleet = any(item.get_closest_marker("integration") for item in session.items)
    model = any(item.get_closest_marker("local_model") for item in session.items)
    devset = {name for item in session.items for m in item.iter_markers("devset") for name in m.args}
    if fleet or model or devset:
        _set_up(session, fleet, model, devset)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def toy_spec():
    """Build a ServerSpec for the toy server (real stdio subprocess)."""
    from mcpbench.config import ServerSpec

    def make(name: str = "toy", **kw):
        kw.setdefault("command", sys.executable)
        kw.setdefault("args", [str(TOY)])
        return ServerSpec(name=name, **kw)

    return make
