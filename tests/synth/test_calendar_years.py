"""Calendar utilities: a `year` is a year on the calendar, and a date said in a sentence keeps the sentence.

Tried on a registry server of national holidays: `listar_feriados(year: int)` was given the figures of a period
("10", "25", "5": a term of years), every listing came back empty, and synthesis made nothing. Shown on
tests/synth/servers/holiday_server.py, where the same shape gave 0 tasks before the fix.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from mcpbench.config import ServerSpec
from task_synth.magnitudes import CALENDAR_YEARS, PERIODS, calendar_year, plausible
from task_synth.wording import action, first_clause, named_value
from tests.synth._baselines import valid_tasks

HOLIDAYS = Path(__file__).parent / "servers" / "holiday_server.py"
INT = {"type": "integer", "title": "Year"}


def test_a_parameter_named_year_takes_years_on_the_calendar_and_a_counted_year_a_term():
    assert plausible("year", INT) == list(CALENDAR_YEARS)
    assert plausible("fiscalYear", {"type": "integer"}) == list(CALENDAR_YEARS)
    assert plausible("start_year", {"type": "integer"}) == list(CALENDAR_YEARS)
    assert plausible("years", {"type": "integer"}) == list(PERIODS["year"])  # a number of years
    assert plausible("year", {"type": "integer", "description": "Number of years of the loan"}) == \
        list(PERIODS["year"])
    assert not calendar_year("loan_term_years")
    assert not calendar_year("year", "Duration in years")


def test_a_year_on_the_calendar_is_said_as_itself():
    assert named_value("year", "2026") == "2026"
    assert named_value("year", "12") != "12"  # not a year on the calendar: said with what it is


def test_an_aside_between_a_subject_and_its_verb_is_dropped_and_the_sentence_kept():
    assert first_clause("Check whether a date (YYYY-MM-DD) is a public holiday.") == \
        "Check whether a date is a public holiday"
    # elsewhere an aside still ends the clause, and never lets parameter names through
    assert first_clause("Count the working days from start_date (included) to end_date (excluded).") == \
        "Count the working days"  # (the tail naming a parameter is cut too)
    assert action("The first working day after a date (YYYY-MM-DD).").imperative() == \
        "work out the first working day after a date"


def test_holidays_of_a_year_lead_to_walks_over_their_dates(tmp_path):
    spec = ServerSpec(name="holidays", command=sys.executable, args=[str(HOLIDAYS)])
    tasks = valid_tasks(spec, tmp_path / "a.jsonl", n=8, seed=1)
    assert len(tasks) >= 5
    years = [s["arguments"]["year"] for t in tasks for s in t["reference"] if s["tool"] == "list_holidays"]
    assert years and all(1900 <= y <= 2100 for y in years)
    for t in tasks:
        assert not re.search(r"\bthe the\b|\ba year of\b|start_date|end_date", t["fuzzy"]), t["fuzzy"]
    # a walk never passes on one of several dates the earlier step was only given (a count that echoes its two
    # dates: 'the second date it lists'); a lone echo still names what is asked about ('that date')
    for t in tasks:
        steps = t["reference"]
        for s in steps[1:]:
            for p, spec_ in (s.get("bindings") or {}).items():
                j = int(re.match(r"step\[(\d+)\]", spec_).group(1))
                given = [v for v in steps[j]["arguments"].values() if isinstance(v, str)]
                assert len(given) < 2 or s["arguments"].get(p) not in given, t["fuzzy"]
