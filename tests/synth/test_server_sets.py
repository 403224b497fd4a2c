"""The three server sets of issue 19 stay apart: the default fleet (servers.yaml), the development set and the
held-out set (benchmarks/*.servers.yaml; docs/tasks.md, "Held-out set"). A server moved between them must leave
the one it came from, and a held-out server is one nobody tuned for, so it is in neither of the others."""

from __future__ import annotations

import re
from pathlib import Path

from mcpbench.config import ServerSpec, load_config

ROOT = Path(__file__).resolve().parents[2]
FLEET = load_config(ROOT / "servers.yaml").servers
DEVSET = load_config(ROOT / "benchmarks" / "devset.servers.yaml").servers
HELDOUT = load_config(ROOT / "benchmarks" / "heldout.servers.yaml").servers
SCOUT = load_config(ROOT / "benchmarks" / "scout16.servers.yaml").servers
"""Scouted in session 16: measured untouched, the next servers to learn from (docs/tasks.md)."""


def _package(spec: ServerSpec) -> str:
    """The installed package's name without its version ('pkg==1.0' → 'pkg', '@a/b@1.0' → '@a/b')."""
    assert spec.install is not None, spec.name
    if spec.install.pypi:
        return re.split(r"[=<>!~\[ ]", spec.install.pypi, maxsplit=1)[0].lower().replace("_", "-")
    assert spec.install.npm
    return spec.install.npm.rsplit("@", 1)[0] if spec.install.npm.rfind("@") > 0 else spec.install.npm


def test_no_server_is_in_two_sets_by_name_or_by_package() -> None:
    sets = {"fleet": FLEET, "devset": DEVSET, "heldout": HELDOUT, "scout": SCOUT}
    seen_names: dict[str, str] = {}
    seen_packages: dict[str, str] = {}
    for set_name, specs in sets.items():
        for spec in specs:
            assert seen_names.setdefault(spec.name, set_name) == set_name, (spec.name, seen_names[spec.name], set_name)
            if spec.install is not None:
                pkg = _package(spec)
                assert seen_packages.setdefault(pkg, set_name) == set_name, (pkg, seen_packages[pkg], set_name)


def test_the_held_out_set_is_seven_pinned_servers_and_the_dev_set_forty_nine() -> None:
    assert len(HELDOUT) == 7 and len(DEVSET) == 49 and len(SCOUT) == 8
    for spec in [*HELDOUT, *DEVSET, *SCOUT]:
        assert spec.install is not None, spec.name
        pin = spec.install.pypi or spec.install.npm or ""
        assert "==" in pin or pin.rfind("@") > 0, (spec.name, pin)


def test_held_out_writers_keep_their_state_in_the_episode_dir() -> None:
    for spec in HELDOUT:
        if spec.stateful:
            placed = [*spec.env.values(), spec.cwd or "", *spec.args]
            assert any("${EPISODE_DIR}" in v for v in placed), spec.name
