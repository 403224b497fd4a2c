"""`mcpbench tasks build`: suites built by one command from a recipe (issue 21 item 2) — parts synthesized or grounded,
every task replayed, cached per part so a crashed build resumes, and a build report with the suite's shares."""

from __future__ import annotations

import json
from pathlib import Path

import anyio
import pytest

from task_synth.build import PartReport, Recipe, RecipeError, build_report_path, build_suite, load_recipe, suite_shares
from task_synth.task import Check, ReferenceStep, StateRead, Suite, Task
from tests.synth._cli import run_mcpbench

ROOT = Path(__file__).resolve().parents[2]


def _task(tid: str, servers: list[str], hops: int, tags: list[str] = (), state: bool = False) -> Task:
    steps = [ReferenceStep(server=servers[i % len(servers)], tool="t", arguments={"q": tid}, output="42")
             for i in range(hops)]
    checks = [Check(kind="numeric", value=42, from_step=hops - 1, extract=r"(\d+)")]
    if state:
        checks.append(Check(kind="state", value="42", read=StateRead(server=servers[0], tool="t", arguments={})))
    return Task(id=tid, servers=servers, precise="p", fuzzy="f", checks=checks, answer="42", reference=steps,
                tags=list(tags))


def _recipe(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "x.build.yaml"
    p.write_text(text, encoding="utf-8")
    return p


@pytest.mark.parametrize(("text", "expected"), [
    ("suite: x\nout: x.jsonl\nparts:\n  - n: 3\n", "parts.0: Value error, a part needs `servers`"),
    ("suite: x\nout: x.jsonl\nparts:\n  - sever: [a]\n", "parts.0.sever: Extra inputs are not permitted"),
    ("suite: x\nout: x.jsonl\nparts:\n  - servers: [a]\n    n: 0\n", "parts.0.n: Input should be greater than"),
    ("suite: x\nout: x.jsonl\nparts:\n  - plans: missing.yaml\n", "parts.0.plans: no such file"),
    ("suite: x\nparts: []\n", "out: Field required"),
    ("suite: [x\n", "not YAML"),
])
def test_a_broken_recipe_is_refused_naming_the_field(tmp_path, text, expected):
    with pytest.raises(RecipeError) as e:
        load_recipe(_recipe(tmp_path, text))
    assert expected in str(e.value) and "x.build.yaml" in str(e.value)


def test_shares_are_counted_over_the_whole_suite():
    tasks = [_task("a", ["s1", "s2"], 3), _task("b", ["s1", "s2"], 2), _task("c", ["s1"], 2, ["stateful"], state=True),
             _task("d", ["s1"], 4, ["stateful"])]
    # hand-computed: 2 of 4 multi-server; 1 of 4 multi-server with ≥3 hops; 2 of 4 stateful; 1 of 4 final-state
    assert suite_shares(tasks) == {"multi_server": 0.5, "multi_server_3plus_hops": 0.25, "stateful": 0.5,
                                   "final_state": 0.25, "live_varying": 0.0}


class _Runner:
    """Scripted part results; counts calls so the cache can be seen at work. Part 1 fails when `broken`."""

    def __init__(self, broken: bool = False) -> None:
        self.calls: list[int] = []
        self.broken = broken

    async def __call__(self, recipe: Recipe, index: int, pdir: Path) -> tuple[list[Task], PartReport]:
        self.calls.append(index)
        if self.broken and index == 1:
            raise RuntimeError("server(s) failed to connect: s2: exited with code 1")
        tasks = [_task(f"t{index}", ["s1"], 2), _task("shared", ["s1", "s2"], 3)]
        return tasks, PartReport(index=index, name=recipe.parts[index].name(index), servers=["s1"], wanted=2,
                                 made=3, kept=2, dropped={f"gone{index}": ["check 0 fails on the replay"]})


RECIPE = "suite: demo\nout: out/demo.jsonl\nseed: 5\nparts:\n  - servers: [s1]\n    n: 2\n" \
         "  - servers: [s1, s2]\n    n: 2\n    tags: [wide]\n"


def test_parts_are_merged_reported_and_cached_so_a_second_build_runs_nothing(tmp_path):
    path = _recipe(tmp_path, RECIPE)
    recipe = load_recipe(path)
    runner = _Runner()
    report = anyio.run(lambda: build_suite(recipe, path, runner, cache=tmp_path / "cache", root=ROOT))
    assert runner.calls == [0, 1]
    suite = Suite.load(tmp_path / "out" / "demo.jsonl")
    # the id both parts made is kept once (first wins); part tags are added after synthesis
    assert [t.id for t in suite.tasks] == ["t0", "shared", "t1"]
    assert suite.tasks[2].tags == ["wide"] and suite.tasks[0].tags == []
    written = json.loads(build_report_path(tmp_path / "out" / "demo.jsonl").read_text())
    assert written["tasks"] == 3 and written["sha256"] == suite.sha256 and written["servers"] == ["s1", "s2"]
    assert written["parts"][0]["dropped"] == {"gone0": ["check 0 fails on the replay"]}
    assert report.shares["multi_server"] == pytest.approx(1 / 3, abs=1e-4)
    assert report.parts[1].merged_away == ["shared"]

    again = _Runner()
    report2 = anyio.run(lambda: build_suite(recipe, path, again, cache=tmp_path / "cache", root=ROOT))
    assert again.calls == [] and all(p.cached for p in report2.parts)
    assert report2.sha256 == report.sha256

    fresh = _Runner()
    anyio.run(lambda: build_suite(recipe, path, fresh, cache=tmp_path / "cache", root=ROOT, fresh=True))
    assert fresh.calls == [0, 1]


def test_a_task_with_the_same_calls_and_checks_as_an_earlier_part_is_merged_away(tmp_path):
    path = _recipe(tmp_path, RECIPE)

    async def runner(recipe: Recipe, index: int, pdir: Path) -> tuple[list[Task], PartReport]:
        t = _task("same", ["s1"], 2)
        reworded = t.model_copy(update={"id": f"other{index}", "fuzzy": f"worded {index}"})
        return [reworded], PartReport(index=index, name="p", servers=["s1"], wanted=1, made=1, kept=1)

    report = anyio.run(lambda: build_suite(load_recipe(path), path, runner, cache=tmp_path / "cache", root=ROOT))
    assert report.tasks == 1 and report.parts[1].merged_away == ["other1"]


def test_a_task_the_recipe_leaves_out_is_reported_with_its_reason_and_the_parts_stay_cached(tmp_path):
    path = _recipe(tmp_path, RECIPE)
    anyio.run(lambda: build_suite(load_recipe(path), path, _Runner(), cache=tmp_path / "cache", root=ROOT))
    path.write_text(RECIPE + "left_out:\n  t1: asks a file's creation time, which is the episode's copy time\n")
    again = _Runner()
    report = anyio.run(lambda: build_suite(load_recipe(path), path, again, cache=tmp_path / "cache", root=ROOT))
    assert again.calls == []  # leaving a task out rebuilds nothing
    assert [t.id for t in Suite.load(tmp_path / "out" / "demo.jsonl").tasks] == ["t0", "shared"]
    assert report.parts[1].left_out == {"t1": "asks a file's creation time, which is the episode's copy time"}
    assert report.tasks == 2


def test_a_changed_part_or_synthesizer_rebuilds_only_what_it_touches(tmp_path):
    path = _recipe(tmp_path, RECIPE)
    anyio.run(lambda: build_suite(load_recipe(path), path, _Runner(), cache=tmp_path / "cache", root=ROOT))
    path.write_text(RECIPE.replace("tags: [wide]", "tags: [wide, extra]"), encoding="utf-8")
    runner = _Runner()
    anyio.run(lambda: build_suite(load_recipe(path), path, runner, cache=tmp_path / "cache", root=ROOT))
    assert runner.calls == [1]
    other_code = tmp_path / "code"
    (other_code / "task_synth").mkdir(parents=True)
    (other_code / "task_synth" / "x.py").write_text("changed = True\n")
    runner = _Runner()
    anyio.run(lambda: build_suite(load_recipe(path), path, runner, cache=tmp_path / "cache", root=other_code))
    assert runner.calls == [0, 1]


def test_a_failing_part_is_reported_and_the_others_are_kept(tmp_path):
    path = _recipe(tmp_path, RECIPE)
    runner = _Runner(broken=True)
    report = anyio.run(lambda: build_suite(load_recipe(path), path, runner, cache=tmp_path / "cache", root=ROOT))
    assert [p.index for p in report.failed_parts] == [1]
    assert "s2: exited with code 1" in (report.parts[1].error or "")
    assert [t.id for t in Suite.load(tmp_path / "out" / "demo.jsonl").tasks] == ["t0", "shared"]
    # the failed part is not cached: the next build retries it and only it
    retry = _Runner()
    anyio.run(lambda: build_suite(load_recipe(path), path, retry, cache=tmp_path / "cache", root=ROOT))
    assert retry.calls == [1]


PLAN = ROOT / "task_synth" / "suites" / "src" / "smoke.yaml"


@pytest.mark.integration
@pytest.mark.timeout(900)
def test_the_build_command_synthesizes_grounds_plans_replays_and_resumes_on_the_live_fleet(tmp_path):
    from ruamel.yaml import YAML

    from task_synth.synth import dump_plans, load_plans

    # one curated plan (a calculator + sqlite chain from smoke) and a synthesis over the calculator
    plans = [p for p in load_plans(PLAN) if {s.server for s in p.steps} <= {"calculator", "sqlite"}][:1]
    dump_plans(plans, tmp_path / "one.yaml")
    recipe = {"suite": "mini", "out": "mini.jsonl", "seed": 2,
              "parts": [{"plans": "one.yaml"}, {"servers": ["calculator"], "n": 2, "seed_world": True}]}
    with (tmp_path / "mini.build.yaml").open("w") as f:
        YAML().dump(recipe, f)
    args = ("tasks", "build", str(tmp_path / "mini.build.yaml"), "--cache", str(tmp_path / "cache"), "--json")
    code, out, err = anyio.run(lambda: run_mcpbench(*args, cwd=tmp_path, timeout=840))
    assert code == 0, err[-3000:]
    report = json.loads(out)
    parts = report["parts"]
    assert parts[0]["kept"] == 1 and parts[0]["dropped"] == {}, parts[0]
    assert parts[1]["kept"] >= 1 and parts[1]["made"] == parts[1]["kept"] + len(parts[1]["dropped"])
    suite = Suite.load(tmp_path / "mini.jsonl")
    assert len(suite.tasks) == report["tasks"] == parts[0]["kept"] + parts[1]["kept"]
    assert suite.tasks[0].id == plans[0].id and all(t.id.startswith("mini-") for t in suite.tasks[1:])
    # a second build reuses both parts and writes the same bytes
    before = (tmp_path / "mini.jsonl").read_bytes()
    code, out, err = anyio.run(lambda: run_mcpbench(*args, cwd=tmp_path, timeout=120))
    assert code == 0, err[-2000:]
    assert all(p["cached"] for p in json.loads(out)["parts"])
    assert (tmp_path / "mini.jsonl").read_bytes() == before
