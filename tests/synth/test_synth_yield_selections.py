"""benchmarks/synth_yield.py: which selections it measures for a given servers.yaml."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("synth_yield", ROOT / "benchmarks" / "synth_yield.py")
assert _spec and _spec.loader
synth_yield = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(synth_yield)

DEVSET_NAMES = ["excel", "word", "sympy", "mathematics", "gitts", "sqlitejs", "taskmanager", "coderunner", "slides"]


def test_the_dev_set_gets_its_own_mixed_selections_by_default() -> None:
    sels = synth_yield.plan_selections(synth_yield.DEVSET, "", None, DEVSET_NAMES)
    assert sels[: len(DEVSET_NAMES)] == [[n] for n in DEVSET_NAMES]
    assert sels[len(DEVSET_NAMES):] == [m.split("+") for m in synth_yield.DEFAULT_MIXED]


def test_another_config_gets_no_mixed_selection_unless_asked(tmp_path: Path) -> None:
    cfg = tmp_path / "heldout.servers.yaml"
    assert synth_yield.plan_selections(cfg, "", None, ["dates", "recipes"]) == [["dates"], ["recipes"]]
    assert synth_yield.plan_selections(cfg, "none", "dates+recipes", ["dates", "recipes"]) == [["dates", "recipes"]]


def test_a_name_the_config_does_not_have_is_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="excel, nope"):
        synth_yield.plan_selections(tmp_path / "x.yaml", "dates", "excel+nope", ["dates"])
