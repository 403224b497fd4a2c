"""'Label: value' lines of a text result in any script: 'BMI值：22.9', '📊 字符: 80 | 单词: 12'.

Servers answer in their users' language. A label in Chinese (or any script outside ASCII), or one behind a
full-width colon (U+FF1A '：'), is as much a field as 'Total: 15'; writing.salient reads ASCII labels itself and asks
these through `wide_labelled` when it finds nothing else. Several fields on one line are split at ' | '.

How the question names such a field, since no English name can be made up for it:
- a label whose Latin-script words carry it ('BMI值': 'BMI' and one more character) is asked by those words ("what
  the BMI is");
- any other label is quoted as the label the tool uses ('what figure it gives for "字符"'), never pasted bare into
  an English sentence.
A number (with an optional currency sign or a unit after it) is checked numerically; text is checked as contained.
"""

from __future__ import annotations

import re
from typing import Any

from task_synth.binding import extract
from task_synth.grammar import copula, what_the
from task_synth.phrases import Ask
from task_synth.wording import askable_label, asks_back, figure_question

_BEFORE = r"(?:^|\n|\\n|[ \t]\|[ \t])[ \t]*(?:[^\w\s|\\]{1,3}[ \t]*)?"
"""Where a field starts: a line, or ' | ' between fields of one line; an emoji or a bullet may lead it."""
_LINE = re.compile(_BEFORE + r"([^\W\d_][^\n:：|<\\\"]{0,23}?)[ \t]*([:：])[ \t]*([^<\n\\\"|]{1,60}?)[ \t]*"
                   r"(?=<|\n|\\n|\"|[ \t]\||$)")
_TEXT_VALUE = r"[ \t]*[:：][ \t]*([^<\n\\\"|]{1,60}?)[ \t]*(?=<|\n|\\n|\"|[ \t]\||$)"
_NUMBER_VALUE = r"[ \t]*[:：][ \t]*[$€£¥]?[ \t]*(-?\d+(?:\.\d+)?)(?![\d.,])"
_FIGURE = re.compile(r"[$€£¥]?\s*-?\d+(?:\.\d+)?(?:\s*(?:[^\W\d_]|°|%)\S{0,8})?")
"""A number, with a currency sign before it or a short unit after it ('22.9', '¥30', '80 kg', '1.75米')."""
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9]*")
MAX_REST = 2
"""Characters of a label outside its Latin words that may be left unsaid ('值' of 'BMI值', '指数' of 'BMI指数')."""


def _wide(label: str, colon: str) -> bool:
    return colon == "：" or any(ord(c) > 127 and c.isalpha() for c in label)


def field_words(label: str) -> tuple[str, bool]:
    """(what a question calls the field, whether it is the quoted label): the label's Latin words when they carry
    it ('BMI值' -> 'BMI'), else the label in quotes ('"健康状况"')."""
    latin = _LATIN.findall(label)
    rest = len(re.sub(r"[\sA-Za-z0-9_\-]", "", _LATIN.sub("", label)))
    if latin and rest <= MAX_REST:
        words = " ".join(w if w.isupper() and len(w) > 1 else w.lower() for w in latin)
        if askable_label(words):
            return words, False
    return f'"{label.strip()}"', True


def wide_labelled(raw: str, given: set[str], inputs: dict[str, Any]) -> tuple[Ask, str] | None:
    """The first field of a 'Label：value' line whose label is in a script outside ASCII or stands before a
    full-width colon, that is not a value the step was given nor a field naming one of its inputs: its Ask and the
    regex that reads it; None when there is none."""
    for m in _LINE.finditer(raw):
        label, colon, value = m.group(1).strip(), m.group(2), m.group(3).strip()
        if not _wide(label, colon) or value in given:
            continue
        words, quoted = field_words(label)
        number = _FIGURE.fullmatch(value)
        figure = re.search(r"-?\d+(?:\.\d+)?", value) if number else None
        if asks_back("" if quoted else words, figure.group(0) if figure else None, inputs):
            continue
        if number:
            rx = re.escape(label) + _NUMBER_VALUE
            if figure is None or extract(rx, raw) != figure.group(0):
                continue
            asked = f'what figure it gives for {words}' if quoted else figure_question(words)
            said = f"It gives {{value}} for {words}." if quoted else f"The {words} {copula(words)} {{value}}."
            return Ask(None, "numeric", asked, f"Report the {label} in the result.", said), rx
        rx = re.escape(label) + _TEXT_VALUE
        if extract(rx, raw) != value:
            continue
        asked = f"what it says for {words}" if quoted else what_the(words)
        said = f"It says {{value}} for {words}." if quoted else f"The {words} {copula(words)} {{value}}."
        return Ask(None, "contains", asked, f"Report the {label} in the result.", said), rx
    return None


__all__ = ["field_words", "wide_labelled"]
