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

from task_synth.binding import extract, regex_search
from task_synth.grammar import the_value_is, what_the
from task_synth.phrases import Ask
from task_synth.wording import TRAILING, askable_label, asks_back, figure_question, humanize

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


_CUT_FIGURE = re.compile(r"\d[\d.,]*[A-Za-z]|[A-Za-z][\d.,]*\d[\d.,]*[^\W\d_]|\d[.,]\d")
"""A figure inside a label ('2.5kg', '8.0', 'x1.5'): its letters are no words of the label's name ('tap drill for
mm' made of 'Tap Drill for 8.0mm'), so such a label is quoted whole."""


def field_words(label: str) -> tuple[str, bool]:
    """(what a question calls the field, whether it is the quoted label): the label's Latin words when they carry
    it ('BMI值' -> 'BMI'), else the label in quotes ('"健康状况"', '"Tap Drill for 8.0mm"': a figure in a label or
    a name ending in a preposition is never cut to its words)."""
    latin = _LATIN.findall(label)
    rest = len(re.sub(r"[\sA-Za-z0-9_\-]", "", _LATIN.sub("", label)))
    dangling = bool(latin) and latin[-1].lower() in TRAILING
    if latin and rest <= MAX_REST and not _CUT_FIGURE.search(label) and not dangling:
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
        if not _wide(label, colon) or value in given or not re.search(r"\w", value.replace("_", "")):
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
            said = f"It gives {{value}} for {words}." if quoted else the_value_is(words)
            return Ask(None, "numeric", asked, f"Report the {label} in the result.", said), rx
        rx = re.escape(label) + _TEXT_VALUE
        if extract(rx, raw) != value:
            continue
        asked = f"what it says for {words}" if quoted else what_the(words)
        said = f"It says {{value}} for {words}." if quoted else the_value_is(words)
        return Ask(None, "contains", asked, f"Report the {label} in the result.", said), rx
    return None


_MARKED = re.compile(r"(?m)^[ \t]*(?:[^\w\s*|\\]{1,3}[ \t]*)?(\*\*|__)([^*_\n:：<]{1,40}?)[ \t]*"
                     r"(?:([:：])\1|\1[ \t]*([:：]))[ \t]*(.*)$")
"""A markdown field: `**Label:** value` or `**Label**: value` (an emoji or a bullet may lead it); the value on the
line, or nothing when it stands on the lines below."""
_ITEM = re.compile(r"[ \t]*(?:[•·▪‣*+-][ \t]+|[ \t]{2,})(.*)")
"""A line of a block under a markdown heading: a bullet or an indent, then its text."""
_LEADING_FIGURE = re.compile(r"[$€£¥]?\s*-?\d+(?:\.\d+)?(?:\s*(?:[^\W\d_]|°|%)\S{0,8})?(?=\s+[(±])")
_EMPHASIS = re.compile(r"\*\*|__|`")
_SAID_EQUAL = re.compile(r"^[^=\n]{1,40}?=[ \t]*")
"""What a block's one line names before the value it gives ('δ (delta) = **4.500mm**')."""


def _plain(value: str) -> str:
    return " ".join(_EMPHASIS.sub("", value).split())


_STRESSED = re.compile(r"[ \t]*[•·▪‣*+-][ \t]+([A-Za-z][^=\n*:]{1,40}?)[ \t]*=[ \t]*\*\*([^*\n]{1,40})\*\*[ \t]*")


def _stressed(line: str, raw: str) -> tuple[str, str, str, bool] | None:
    """A line of a list under a markdown heading that names a figure and stresses it ('  • Load (F) = **9.8N**'):
    (label, number, regex, True); None for any other line, or when the regex would read another line."""
    m = _STRESSED.fullmatch(line)
    number = re.match(r"[$€£¥]?\s*(-?\d+(?:\.\d+)?)", m.group(2)) if m else None
    if m is None or number is None or not _FIGURE.fullmatch(m.group(2).strip()):
        return None
    rx = r"(?:^|\n)[ \t]*[•·▪‣*+-][ \t]+" + re.escape(m.group(1)) + r"[ \t]*=[ \t]*\*\*[$€£¥]?\s*(-?\d+(?:\.\d+)?)"
    return (m.group(1).strip(), number.group(1), rx, True) if extract(rx, raw) == number.group(1) else None


def marked_fields(raw: str) -> list[tuple[str, str, str, bool]]:
    """(label, value, regex, numeric) of the markdown fields of a text output, in order: `**Label:** value` on one
    line, or `**Label:**` over a block of one line (a bullet or an indented line; what it names before ' = ' left
    out); its emphasis stripped from the value. A block of several lines is a list, not one value, and a code
    fence none. The regex reads the value (the number of a figure) from the raw output."""
    out: list[tuple[str, str, str, bool]] = []
    lines = raw.split("\n")
    for m in _MARKED.finditer(raw):
        mark, label, rest = m.group(1), m.group(2).strip(), m.group(5)
        colon = m.group(3) or m.group(4)
        head = re.escape(mark) + re.escape(label) + r"[ \t]*" + (
            re.escape(colon + mark) if m.group(3) else re.escape(mark) + r"[ \t]*" + re.escape(colon)) + r"[ \t]*"
        if _plain(rest):
            text, lead = _plain(rest), head + r"(?:\*\*|__|`)?"
        else:
            row = raw.count("\n", 0, m.start()) + 1
            block = []
            for line in lines[row:]:
                if not line.strip() or _MARKED.match(line) or not _ITEM.fullmatch(line):
                    break
                block.append(line)
            if len(block) > 1:  # a list: only its lines that stress the value they give ('• Load (F) = **9.8N**')
                out += [f for line in block if (f := _stressed(line, raw)) is not None]
                continue
            if not block or block[0].strip().startswith("```"):
                continue
            item = _ITEM.fullmatch(block[0])
            text = _plain(item.group(1)) if item else ""
            said = _SAID_EQUAL.match(text)
            text = text[said.end():] if said else text
            lead = head + r"\n[ \t]*(?:[•·▪‣*+-][ \t]+)?" + (r"[^=\n]{1,60}?=[ \t]*" if said else "") \
                + r"(?:\*\*|__|`)?"
        if not text or not re.search(r"\w", text):
            continue
        # a figure, or a figure the value starts with ('6.80mm (±0.05)'), is checked as a number
        figure = _FIGURE.fullmatch(text) or _LEADING_FIGURE.match(text)
        number = re.search(r"-?\d+(?:\.\d+)?", text) if figure else None
        if number is not None:
            rx = lead + r"[$€£¥]?[ \t]*(-?\d+(?:\.\d+)?)(?![\d.,])"
            if extract(rx, raw) == number.group(0):
                out.append((label, number.group(0), rx, True))
            continue
        rx = lead + r"([^*_`<\n]{1,60}?)(?:\*\*|__|`)?[ \t]*(?=\n|$)"
        if extract(rx, raw) == text:
            out.append((label, text, rx, False))
    return out


def marked_labelled(raw: str, given: set[str], inputs: dict[str, Any]) -> tuple[Ask, str] | None:
    """The first markdown field of a text output (marked_fields) that is not a value the step was given nor a field
    naming one of its inputs: its Ask and the regex that reads it. A plain English label is asked by its words ("what
    the time constant is"); any other — a figure in it, a label ending in a preposition, another script — by the
    label whole, quoted ('what it says for "Tap Drill for 8.0mm"'); None when there is none."""
    for label, value, rx, numeric in marked_fields(raw):
        if value in given:
            continue
        name = re.sub(r"[ \t]*\([^)]*\)", "", label).strip()  # 'Load (F)' is asked as the load
        plain = re.fullmatch(r"[A-Za-z][A-Za-z -]{1,40}", name) is not None \
            and not {humanize(name).split()[0], humanize(name).split()[-1]} & (TRAILING | {"as"})
        words, quoted = (humanize(name), False) if plain else field_words(label)
        if plain:  # an acronym of the label stays one ('PCB width')
            words = " ".join(w.upper() if re.search(rf"\b{w.upper()}\b", name) and len(w) > 1 else w
                             for w in words.split())
        if not quoted and not askable_label(words):
            continue
        figure = re.search(r"-?\d[\d,]*(?:\.\d+)?", value)
        if asks_back("" if quoted else words, figure.group(0) if figure else None, inputs):
            continue
        if numeric:
            asked = f"what figure it gives for {words}" if quoted else figure_question(words)
            said = f"It gives {{value}} for {words}." if quoted else the_value_is(words)
            return Ask(None, "numeric", asked, f"Report the {label} in the result.", said), rx
        asked = f"what it says for {words}" if quoted else what_the(words)
        said = f"It says {{value}} for {words}." if quoted else the_value_is(words)
        return Ask(None, "contains", asked, f"Report the {label} in the result.", said), rx
    return None


def _enclosing_key(text: str, pos: int) -> str | None:
    """The key of the JSON object that holds the text at POS (outside any string): '"missing_values": {' ->
    'missing_values'; None at the top level or inside a list."""
    depth, quoted = 0, False
    for i in range(pos - 1, -1, -1):
        c = text[i]
        if c == '"' and (i == 0 or text[i - 1] != "\\"):
            quoted = not quoted
        elif quoted:
            continue
        elif c in "}]":
            depth += 1
        elif c in "{[":
            if depth:
                depth -= 1
                continue
            m = re.search(r'"([^"\\]{1,60})"\s*:\s*$', text[max(0, i - 80):i]) if c == "{" else None
            return m.group(1) if m else None
    return None


_WRAPPER = re.compile(r"(?:data|results?|response|output|payload|content|body|values?|items?|records?|rows?|"
                      r"attributes|properties|details|info|meta(?:data)?|fields)")
"""Keys that only wrap what they hold: a figure under one is not 'the data for X'."""


def keyed_by_data(text: str, regex: str, label: str) -> str:
    """LABEL, or with the field it sits under when its key is data rather than the name of a figure: a column's name
    keying one figure per column ('"missing_values": {"Product": 0}' -> 'missing values for Product', never 'the
    product'), the key as it is written. A key is data when it holds a space or the output lists it as a value as
    well; a key that only wraps (`data`, `result`) adds nothing."""
    try:
        m = regex_search(regex, text)
    except re.error:
        return label
    key = re.match(r'"([^"\\]{1,60})"\s*:', text[m.start():]) if m is not None else None
    if m is None or key is None:
        return label
    name = key.group(1)
    if not (" " in name.strip() or re.search(rf'"{re.escape(name)}"\s*[,\]]', text)):
        return label
    parent = _enclosing_key(text, m.start())
    if parent is not None and _WRAPPER.fullmatch(humanize(parent)):
        return label
    return f"{humanize(parent)} for {name}" if parent and label else label  # data keeps its spelling


__all__ = ["field_words", "keyed_by_data", "marked_fields", "marked_labelled", "wide_labelled"]
