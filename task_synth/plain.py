"""Asks of plain-text outputs, which hold no JSON field to ask about: a read that answers one short value ('white',
'enabled'), or a list of items one per line ('e2e4', 'g1f3', …).

What is asked is worded from the tool's description, never from a phrase table: "Indicates whose turn it is
('white' or 'black')" asks "whose turn it is"; "Get the current mode" asks "what the current mode is"; "Lists all
legal moves for the current player" asks "which move it lists first". Nothing is asked when the description gives
no words for it, the output is a failure, an image marker or a value the call was given.
"""

from __future__ import annotations

import re

from task_synth.grammar import is_plural, singular, what_the
from task_synth.phrases import Ask
from task_synth.wording import Unwordable, action, first_clause

MAX_VALUE = 40
"""Characters a one-value answer may have (longer is a sentence, which `salient` reads)."""
_VALUE = re.compile(r"\A\s*([^\s\[{<][^\n]{0," + str(MAX_VALUE - 1) + r"}?)\s*\Z")
_LINE_ITEM = re.compile(r"[\w][\w.:/+#=-]{0,39}")
_WH = re.compile(r"^(?:whose|which|what|who|where|when|whether|how)\b", re.IGNORECASE)
_LEAD = re.compile(r"^(?:indicates?|returns?|tells?|shows?|reports?|says?|gives?|determines?|displays?|states?|"
                   r"gets?|checks?|finds? out)\s+(?:you\s+|the user\s+)?", re.IGNORECASE)
_GETTERS = frozenset(("get", "show", "return", "report", "display", "read", "fetch", "retrieve", "give"))


def value_question(description: str) -> str | None:
    """The question a one-value answer of the tool answers, from its description's first clause: a wh-clause as it
    stands ('whose turn it is'), else the object of a getter ('what the current mode is'); None otherwise."""
    clause = first_clause(description)
    rest = _LEAD.sub("", clause).strip()
    if _WH.match(rest) and len(rest.split()) <= 8:
        return rest[:1].lower() + rest[1:]
    try:
        act = action(description)
    except Unwordable:
        return None
    obj = re.sub(r"^(?:the|a|an)\s+", "", act.obj.strip())
    if act.verb in _GETTERS and obj and len(obj.split()) <= 4 and not is_plural(obj.split()[-1]) and \
            re.fullmatch(r"[a-z][a-z -]*", obj):
        return what_the(obj)
    return None


def listed_thing(description: str) -> str | None:
    """What a tool lists, singular, from the first plural noun of its description's first clause ('Lists all legal
    moves for the current player' -> 'move'); None when it names none."""
    words = first_clause(description).split()
    if not words or not re.match(r"(?i)^(?:lists?|gets?|returns?|shows?|enumerates?)$", words[0]):
        return None
    for i, w in enumerate(words[1:], start=1):
        if w.isalpha() and w.islower() and len(w) > 3 and is_plural(w):
            adj = words[i - 1] if i > 1 and words[i - 1].isalpha() and words[i - 1] not in ("all", "the", "every") \
                else ""
            return f"{adj} {singular(w)}".strip()
    return None


def plain_ask(raw: str, description: str, given: set[str]) -> tuple[Ask, str] | None:
    """The Ask and regex for a plain-text output: its one value, or the first item of its one-per-line list; None
    when the output is neither, or the description gives no question for it."""
    from task_synth.filters import is_failure_text

    text = raw.strip()
    if not text or is_failure_text(text) or text.startswith(("{", "[")) or text in given:
        return None
    if _VALUE.match(text) and (q := value_question(description)) is not None:
        return (Ask(None, "contains", q, "Report the value the tool answers.", "It is {value}."),
                r"\A\s*([^\n]*?\S)\s*\Z")
    lines = text.splitlines()
    if len(lines) >= 2 and all(_LINE_ITEM.fullmatch(x.strip()) for x in lines) and lines[0].strip() not in given \
            and (thing := listed_thing(description)) is not None:
        return (Ask(None, "contains", f"which {thing} it lists first", f"Report the first {thing} listed.",
                    f"The first {thing} listed is {{value}}."), r"\A\s*(\S+)")
    if len(lines) >= 2 and (found := first_point(text, description)) is not None and found[0] not in given:
        _, thing, rx = found
        return (Ask(None, "contains", f"which {thing} it puts first", f"Report the first {thing} given.",
                    f"The first {thing} given is: {{value}}."), rx)
    return None


MAX_TEXT = 400
"""Characters a changed text may have to be asked whole."""


def changed_text_ask(raw: str, given: set[str]) -> tuple[Ask, str] | None:
    """The Ask and regex for the output of a tool that changes the text it is given (re-cased, encoded): the one-line
    text it returns is the answer, checked letter case and all, so an answer that repeats the request's text fails.
    None when the output is no one-line text, a failure, the text the call was given (letter case aside: a tidied
    text is no answer) or much shorter than it (a verdict on the text, not the text changed)."""
    from judges.checks import normalise_text
    from task_synth.filters import is_failure_text

    text = raw.strip()
    if not text or "\n" in text or len(text) > MAX_TEXT or is_failure_text(text) or text.startswith(("{", "[")):
        return None
    if not re.search(r"[A-Za-z0-9]", text):
        return None
    said = normalise_text(text, case_sensitive=True)
    if any(normalise_text(g, case_sensitive=True) == said for g in given):
        return None
    if 2 * len(text) < max((len(g.strip()) for g in given), default=0):
        return None  # a verdict on the text ('(empty)', 'No matches found.'), not the text changed
    return (Ask(None, "contains", "what the resulting text is", "Report the resulting text exactly.",
                "It reads: {value}", case_sensitive=True), r"\A\s*([^\n]*?\S)\s*\Z")


_ITEM_MARK = r"(?:[-*\u2022]|\d{1,2}[.)]|\[[^\]\n]{1,30}\])"
_POINT = re.compile(r"(?m)^[ \t]*" + _ITEM_MARK + r"[ \t]+([A-Za-z][^\n]*?)"
                    r"(?=[ \t]+[\u2014\u2013-][ \t]|:[ \t]|\.[ \t]|[ \t]\(|[ \t]*$)")
"""The headline of the first item of a prose answer: after its mark (a bullet, '1.', '[high confidence]'), up to a
dash, a colon, a full stop or an aside."""


def first_point(text: str, description: str) -> tuple[str, str, str] | None:
    """(headline, what the items are, regex) of the first item of a prose answer listing points ('- No power reaching
    the system at all — check the outlet…'): a headline of 2–9 words, mostly letters; what the items are is the first
    plural noun of the description's first sentence ('next troubleshooting steps' -> 'troubleshooting step'), else
    'point'. None when the answer lists no such item."""
    m = _POINT.search(text)
    if m is None:
        return None
    head = m.group(1).strip()
    words = head.split()
    if not 2 <= len(words) <= 9 or sum(c.isalpha() for c in head) < 0.7 * len(head.replace(" ", "")):
        return None
    sentence = re.split(r"(?<=[.!?])\s", " ".join(description.split()), maxsplit=1)[0]
    dwords = re.findall(r"[A-Za-z][\w'-]*", sentence)
    thing = "point"
    for i, w in enumerate(dwords):
        if w.islower() and len(w) > 3 and is_plural(w) and not w.endswith("ss"):
            before = dwords[i - 1] if i > 0 and dwords[i - 1].islower() and dwords[i - 1].endswith("ing") else ""
            thing = f"{before} {singular(w)}".strip()
            break
    return head, thing, _POINT.pattern


__all__ = ["changed_text_ask", "first_point", "listed_thing", "plain_ask", "value_question"]
