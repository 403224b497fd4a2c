"""Keeping run-specific values out of task files: clock-dependence detection and the masked shape of live outputs.

Same seed → same file bytes. What could break that: (1) the fleet's per-run values (the loopback port of ${WEB_URL},
temporary directories), written back as placeholders (binding.placeholders, `episode_dir`); (2) outputs that depend
on the clock or on randomness. Steps with such outputs are marked `live_varying`; the file then keeps only their
*shape* (`mask_live`): dates, times, weekdays, numbers and booleans masked. Everything derived from a live step
(its checks' expected values, arguments bound to it, the answer) is masked or kept as a template too; the answer key
re-derives the real values from the live replay at evaluation time (Check.from_step + extract).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from typing import Any

_TMP = re.escape(tempfile.gettempdir().rstrip("/"))
_EPISODE_DIR = re.compile(_TMP + r"/mcpbench-[A-Za-z0-9_.-]+")
EPISODE_DIR_MARK = "<episode-dir>"

_WEEKDAYS = "Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
_MASKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?"), "<datetime>"),
    (re.compile(r"\d{4}-\d\d-\d\d"), "<date>"),
    (re.compile(r"(?<!\d)\d\d?:\d\d(?::\d\d)?(?!\d)"), "<time>"),
    (re.compile(rf"\b(?:{_WEEKDAYS})\b"), "<weekday>"),
    (re.compile(r"\b(?:true|false|True|False)\b"), "<bool>"),
    (re.compile(r"(?<![\w.])[+-]?\d+(?:\.\d+)?|\d+(?:\.\d+)?"), "#"),
]


def episode_dirs(text: str) -> str:
    """Per-episode temporary directories (`/tmp/mcpbench-<server>-xxxx`) written as a fixed marker."""
    return _EPISODE_DIR.sub(EPISODE_DIR_MARK, text)


def mask_live(text: str) -> str:
    """The shape of a live output: every date, time, weekday, boolean and number masked."""
    for pattern, mark in _MASKS:
        text = pattern.sub(mark, text)
    return text


_TOKEN = re.compile(r"""[^\s"',:;{}\[\]()=]+|[\s"',:;{}\[\]()=]+""")
VARIES = "<varies>"


def mask_differing(a: str, b: str) -> str:
    """`a` with every token that differs from `b` written as '<varies>' (an id drawn at random each run)."""
    import difflib

    ta, tb = _TOKEN.findall(a), _TOKEN.findall(b)
    out: list[str] = []
    for op, i1, i2, _, _ in difflib.SequenceMatcher(a=ta, b=tb, autojunk=False).get_opcodes():
        out += ta[i1:i2] if op == "equal" else ([VARIES] if op in ("replace", "delete") else [])
    return "".join(out)


def mask_value(value: Any) -> Any:
    """A stand-in of the same JSON type for a value derived from a live output (0 for numbers, a mask for text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return 0
    if isinstance(value, float):
        return 0.0
    if isinstance(value, str):
        return mask_live(value)
    if isinstance(value, list):
        return [mask_value(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_value(v) for k, v in value.items()}
    return value


def _today_strings(now: dt.datetime) -> list[str]:
    out: list[str] = []
    for delta in (-1, 0, 1):
        d = (now + dt.timedelta(days=delta)).date()
        out += [d.isoformat(), d.strftime("%Y/%m/%d"), d.strftime("%d %B %Y"), d.strftime("%B %d, %Y"),
                f"{d:%B} {d.day}, {d.year}", f"{d.day} {d:%B} {d.year}"]
    return out


def clock_dependent(text: str, now: dt.datetime | None = None) -> bool:
    """True when `text` mentions today's date (± a day for other timezones): its bytes change from day to day even
    when two groundings seconds apart agree."""
    now = now or dt.datetime.now(dt.UTC)
    return any(s in text for s in _today_strings(now))


_ISO = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:\d\d)?")


def clock_reading(text: str, now: dt.datetime | None = None, within_s: float = 900.0) -> bool:
    """True when `text` holds a timestamp within `within_s` of now (a reading of the clock, in any timezone; naive
    timestamps are taken as UTC): values read from it change from minute to minute."""
    now = now or dt.datetime.now(dt.UTC)
    for m in _ISO.finditer(text):
        try:
            t = dt.datetime.fromisoformat(m.group(0))
        except ValueError:
            continue
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.UTC)
        if abs((t - now).total_seconds()) <= within_s:
            return True
    return False


__all__ = ["EPISODE_DIR_MARK", "clock_dependent", "clock_reading", "episode_dirs", "mask_live", "mask_value"]
