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


_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WORDY = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),?\s+(?:(\d{1,2})\s+([A-Z][a-z]{2})|([A-Z][a-z]{2})\s+(\d{1,2}))"
                    r"\s+(\d{4})\s+(\d\d):(\d\d):(\d\d)(?:\s*(?:GMT|UTC)?\s*([+-]\d{4}))?")
"""Dates written out: JavaScript's `Date.toString()` ("Sun Dec 06 2026 14:40:28 GMT+0000") and RFC 2822 ("Sun, 06
Dec 2026 14:40:28 +0000")."""


def _timestamps(text: str) -> list[dt.datetime]:
    out = []
    for m in _ISO.finditer(text):
        try:
            out.append(dt.datetime.fromisoformat(m.group(0)))
        except ValueError:
            continue
    for m in _WORDY.finditer(text):
        day, mon = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        if mon.lower() not in _MONTHS:
            continue
        try:
            t = dt.datetime(int(m.group(5)), _MONTHS.index(mon.lower()) + 1, int(day), int(m.group(6)),
                            int(m.group(7)), int(m.group(8)))
        except ValueError:
            continue
        off = m.group(9)
        if off:
            sign = -1 if off[0] == "-" else 1
            t = t.replace(tzinfo=dt.timezone(sign * dt.timedelta(hours=int(off[1:3]), minutes=int(off[3:5]))))
        out.append(t)
    return out


def clock_reading(text: str, now: dt.datetime | None = None, within_s: float = 900.0) -> bool:
    """True when `text` holds a timestamp within `within_s` of now (a reading of the clock, in any timezone; naive
    timestamps are taken as UTC; ISO 8601, and dates written out as JavaScript and RFC 2822 write them): values read
    from it change from minute to minute (a clock, or the time the episode's copy of a file was made)."""
    now = now or dt.datetime.now(dt.UTC)
    for t in _timestamps(text):
        if t.tzinfo is None:
            t = t.replace(tzinfo=dt.UTC)
        if abs((t - now).total_seconds()) <= within_s:
            return True
    return False


__all__ = ["EPISODE_DIR_MARK", "clock_dependent", "clock_reading", "episode_dirs", "mask_live", "mask_value"]
