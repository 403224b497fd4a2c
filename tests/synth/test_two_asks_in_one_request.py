"""Read-only servers that share no value and keep no state, selected together: two asks in one request.

Neither walks (no value one outputs is one the other takes) nor carried answers (nothing keeps state) join a holiday
calendar and a colour/units toolbox; before this step such a selection gave no multi-server task. Shown on the
fixture servers tests/synth/servers/holiday_server.py and swatch_server.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mcpbench.config import ServerSpec
from task_synth.artifacts import CheckSpec, ClaimSpec, Draft
from task_synth.compound import compound_draft, request_body
from tests.synth._baselines import mixed_suite_scored

SERVERS = Path(__file__).parent / "servers"
HOLIDAYS = ServerSpec(name="holidays", command=sys.executable, args=[str(SERVERS / "holiday_server.py")])
SWATCH = ServerSpec(name="swatch", command=sys.executable, args=[str(SERVERS / "swatch_server.py")])


def _draft(fuzzy: str, precise: str, answer: str, checks: list[CheckSpec]) -> Draft:
    return Draft(fuzzy=fuzzy, precise=precise, answer=answer, checks=checks, tags=["single-server", "hops-2"])


def test_the_second_request_loses_its_lead_in_and_its_steps_and_checks_move_after_the_first():
    first = _draft("For the weekly status report, could you tell me the next working day after 2026-10-05?",
                   "(1) Call a/next_day with date=2026-10-05. Report the date.", "It is {{step[0]:x}}.",
                   [CheckSpec(kind="contains", step=0, extract="x")])
    second = _draft("Quick check for the board pack: Can you tell me what the contrast ratio is of red on white?",
                    "(1) Call b/palette. (2) Call b/contrast with fg=the first colour of step 1.",
                    "It is {{step[1]:r}}.",
                    [CheckSpec(kind="numeric", step=1, extract="r"),
                     CheckSpec(kind="claims", claims=[ClaimSpec(step=0, extract="c")])])
    assert request_body(second.fuzzy) == ("can you", "tell me what the contrast ratio is of red on white?")
    d = compound_draft(first, second, offset=1)
    assert d is not None
    assert d.fuzzy == ("For the weekly status report, could you tell me the next working day after 2026-10-05? "
                       "Also, can you tell me what the contrast ratio is of red on white?")
    assert d.precise.endswith("Then: (2) Call b/palette. (3) Call b/contrast with fg=the first colour of step 2.")
    assert d.answer == "It is {{step[0]:x}}. It is {{step[2]:r}}."
    assert [c.step for c in d.checks] == [0, 2, None] and d.checks[2].claims[0].step == 1
    assert "compound" in d.tags and "single-server" not in d.tags
    # a request that words itself (a seeded one) has no lead-in to drop: it is never the second ask
    assert compound_draft(first, _draft("Please keep these records in a sheet.", "", "", []), 1) is None


@pytest.mark.anyio
@pytest.mark.timeout(900)
async def test_two_unrelated_read_only_servers_give_multi_server_tasks_that_validate(tmp_path):
    suite = await mixed_suite_scored([HOLIDAYS, SWATCH], tmp_path, n=10, seed=1)
    both = [t for t in suite.tasks if "compound" in t.tags]
    assert both and all(set(t.servers) == {"holidays", "swatch"} and " Also, " in t.fuzzy for t in both)
    assert sum(len(t.servers) > 1 for t in suite.tasks) / len(suite.tasks) >= 0.3
