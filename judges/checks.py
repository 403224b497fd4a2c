"""Verifiable checks on the final answer: exact, numeric (tolerance / relative), contains, regex, claims; and
final-state checks (`state`), scored on what a read call shows after the episode rather than on the answer.

Live-varying tasks: a check with `from_step` re-derives its expected value from the re-grounded live output of that
reference step (`extract` regex, first group); both the synthesis-time and the live verdict are kept.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from task_synth.binding import regex_search
from task_synth.task import Check, CheckKind, state_key

_NUMBER = re.compile(
    r"(?<![\w.])(?P<sign>[-+\u2212\u2013])?\s?[$€£¥₹]?\s?(?P<sign2>[-\u2212])?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)(?:[eE](?P<exp>[-+]?\d+))?"
    r"(?:\s?(?P<suffix>%|percent\b|k\b|thousand\b|million\b|mn\b|bn\b|billion\b))?",
    re.IGNORECASE,
)
_MULTIPLIER = {"k": 1e3, "thousand": 1e3, "million": 1e6, "mn": 1e6, "bn": 1e9, "billion": 1e9}


class CheckResult(BaseModel):
    """The verdict of one check; `score` is 1/0 except for claims (share of claims found)."""

    index: int
    kind: CheckKind
    expected: Any
    """The synthesis-time expected value."""
    passed: bool
    score: float
    live_expected: Any = None
    """The value re-derived from the live reference output, when one was given."""
    live_passed: bool | None = None
    live_score: float | None = None
    effective_score: float
    """live_score when the check was re-derived live, else score — what the dimensions use."""
    effective_passed: bool
    note: str | None = None


def extract_numbers(text: str) -> list[float]:
    """Every number written in `text`, with the readings a human would accept.

    Handles thousands separators (1,234.5), currency signs ($-3, -$3), unicode minus, exponents, and suffixes:
    '12%' reads as 12 and 0.12, '3.5k' as 3.5 and 3500, '2 million' as 2 and 2e6. Hyphens inside dates or ranges
    ('2024-01-05') are not minus signs.
    """
    out: list[float] = []
    for m in _NUMBER.finditer(unicodedata.normalize("NFKC", text)):
        v = float(m.group("num").replace(",", ""))
        if m.group("exp"):
            v *= 10.0 ** int(m.group("exp"))
        if m.group("sign") in ("-", "\u2212", "\u2013") or m.group("sign2"):
            v = -v
        out.append(v)
        suffix = (m.group("suffix") or "").lower()
        if suffix in ("%", "percent"):
            out.append(v / 100.0)
        elif suffix in _MULTIPLIER:
            out.append(v * _MULTIPLIER[suffix])
    return [v for v in out if math.isfinite(v)]


def normalise_text(s: str, *, case_sensitive: bool = False) -> str:
    """NFKC, whitespace collapsed, surrounding quotes and a final period stripped, casefolded unless case-sensitive."""
    s = " ".join(unicodedata.normalize("NFKC", s).split())
    while (stripped := s.strip("\"'`\u201c\u201d\u2018\u2019 ").rstrip(".")) != s:  # '"x".' and '"x."' alike
        s = stripped
    return s if case_sensitive else s.casefold()


_ESCAPE = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|\\u([0-9a-fA-F]{4})"
                     r"|\\([nrtbf\"\\/])")
_SIMPLE = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "\\": "\\", "/": "/"}


def json_unescaped(text: str) -> str:
    """`text` with JSON string escapes written as the characters they stand for ('Tom\\u00e1s' -> 'Tomás', a
    '\\n' -> a line break): a server that dumps JSON with ASCII escapes still shows the name it stored, and a value
    after an escaped line break starts a word."""
    def char(m: re.Match[str]) -> str:
        if m.group(4):
            return _SIMPLE[m.group(4)]
        if m.group(3):
            return chr(int(m.group(3), 16))
        hi, lo = int(m.group(1), 16), int(m.group(2), 16)
        return chr(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))

    return _ESCAPE.sub(char, text)


def occurs(needle: str, hay: str) -> bool:
    """`needle` occurs in `hay` as a whole token: an end of the needle that is a letter or digit must not run on into
    one in `hay` ('5' is not in '15 items', 'SO-1012' is not in 'SO-10123', 'Lisbon' is in "Lisbon's office").
    Both are already normalised."""
    if not needle:
        return True
    start = hay.find(needle)
    while start != -1:
        end = start + len(needle)
        before_ok = not needle[0].isalnum() or start == 0 or not hay[start - 1].isalnum()
        after_ok = not needle[-1].isalnum() or end == len(hay) or not hay[end].isalnum()
        if before_ok and after_ok:
            return True
        start = hay.find(needle, start + 1)
    return False


def _expected_number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    nums = extract_numbers(str(value))
    return nums[0] if nums else None


def _evaluate(kind: CheckKind, value: Any, check: Check, answer: str) -> tuple[float, str | None]:
    """Score one check kind with a given expected value: (score in [0,1], note)."""
    cs = check.case_sensitive
    if kind == "exact":
        return float(normalise_text(answer, case_sensitive=cs) == normalise_text(str(value), case_sensitive=cs)), None
    if kind == "contains":
        found = occurs(normalise_text(str(value), case_sensitive=cs), normalise_text(answer, case_sensitive=cs))
        return float(found), None
    if kind == "regex":
        try:
            return float(re.search(str(value), answer, 0 if cs else re.IGNORECASE) is not None), None
        except re.error as e:
            return 0.0, f"bad regex {value!r}: {e}"
    if kind == "numeric":
        want = _expected_number(value)
        if want is None:
            return 0.0, f"expected value {value!r} is not a number"
        tol = check.tolerance * abs(want) if check.relative else check.tolerance
        tol = max(tol, 1e-9 * max(1.0, abs(want)))
        return float(any(abs(x - want) <= tol for x in extract_numbers(answer))), None
    claims = value if isinstance(value, list) else [value]
    if not claims:
        return 0.0, "claims check with no claims"
    got = normalise_text(answer, case_sensitive=cs)
    return sum(occurs(normalise_text(str(c), case_sensitive=cs), got) for c in claims) / len(claims), None


def _live_value(check: Check, live_outputs: Mapping[int, str]) -> tuple[Any, str | None]:
    output = live_outputs[check.from_step]  # type: ignore[index]
    if not check.extract:
        return output.strip(), None
    try:
        m = regex_search(check.extract, output)
    except re.error as e:
        return None, f"bad extract regex {check.extract!r}: {e}"
    if m is None:
        return None, f"extract {check.extract!r} found nothing in the live output of step {check.from_step}"
    return (m.group(1) if m.re.groups else m.group(0)), None


def _evaluate_state(index: int, check: Check, live_outputs: Mapping[int, str] | None) -> CheckResult:
    """A final-state check: 1 when the read made on the agent's instance after the episode contains the expected
    value (normalised as `contains`), else 0; no read recorded (or a failed read) scores 0, noted."""
    state = (live_outputs or {}).get(state_key(index))
    note = None
    if state is None:
        score, note = 0.0, "the final state was not read"
    elif state.startswith("[replay:"):
        score, note = 0.0, f"the final-state read failed: {state[:200]}"
    else:
        cs = check.case_sensitive
        want = normalise_text(str(check.value), case_sensitive=cs)
        score = float(any(occurs(want, normalise_text(shown, case_sensitive=cs))
                          for shown in dict.fromkeys((state, json_unescaped(state)))))
    return CheckResult(index=index, kind="state", expected=check.value, passed=score == 1.0, score=score,
                       effective_score=score, effective_passed=score == 1.0, note=note)


def evaluate_check(index: int, check: Check, answer: str, live_outputs: Mapping[int, str] | None = None) -> CheckResult:
    """Evaluate one check on the final answer (a `state` check on the final-state read kept in
    `live_outputs[state_key(index)]`); see the module docstring for live re-derivation."""
    if check.kind == "state":
        return _evaluate_state(index, check, live_outputs)
    score, note = _evaluate(check.kind, check.value, check, answer)
    live_expected, live_score = None, None
    if check.from_step is not None and live_outputs and check.from_step in live_outputs:
        if check.kind == "claims":
            note = "claims checks are not re-derived from live outputs"
        else:
            live_expected, live_note = _live_value(check, live_outputs)
            if live_expected is not None:  # for regex checks the live value is a literal, not a pattern
                target = re.escape(str(live_expected)) if check.kind == "regex" else live_expected
                live_score, live_note = _evaluate(check.kind, target, check, answer)
            note = live_note or note
    effective = score if live_score is None else live_score
    return CheckResult(index=index, kind=check.kind, expected=check.value, passed=score == 1.0, score=score,
                       live_expected=live_expected, live_passed=None if live_score is None else live_score == 1.0,
                       live_score=live_score, effective_score=effective, effective_passed=effective == 1.0, note=note)


def evaluate_checks(checks: list[Check], answer: str,
                    live_outputs: Mapping[int, str] | None = None) -> list[CheckResult]:
    """Evaluate every check; live_outputs maps reference step index -> re-grounded output text (keys may be str)."""
    live = {int(k): v for k, v in live_outputs.items()} if live_outputs else None
    return [evaluate_check(i, c, answer, live) for i, c in enumerate(checks)]


__all__ = ["CheckResult", "evaluate_check", "evaluate_checks", "extract_numbers", "json_unescaped", "normalise_text"]
