"""Issue 17 item 4: a run whose server will not start records why in its infra errors: the episode's error event
carries the end of the server's stderr (redaction itself: tests/fleet/test_server_start_failures.py)."""

from __future__ import annotations

from pathlib import Path

import anyio
from fixtures import toy_suite, write_config

from mcpbench.runner import Runner, RunOptions
from mcpbench.store import RunStore


def test_an_infra_failed_episode_names_what_the_server_said_before_it_died(tmp_path: Path) -> None:
    # the server exits at once: a generous deadline costs nothing and a loaded machine cannot turn it into a hang
    cfg = write_config(tmp_path / "servers.yaml", timeouts="{connect: 30}")
    cfg.write_text(cfg.read_text().replace("]\n", ", --stderr-then-exit]\n", 1))
    suite = tmp_path / "toy.jsonl"
    toy_suite(1).dump(suite)
    opts = RunOptions(models=["scripted/oracle"], suite=str(suite), config=cfg, out=tmp_path / "run", infra_retries=0)
    res = anyio.run(Runner(opts).run)
    with RunStore(res.run_dir) as store:
        [episode] = list(store.episodes())
    assert episode.status == "infra_failed"
    messages = [e.message for e in episode.trajectory.events if getattr(e, "kind", None) == "infra_error"]
    assert messages and "server 'toy' is down" in messages[0]
    assert "the server's stderr ends with: " in messages[0] and "fatal: missing database file" in messages[0]
