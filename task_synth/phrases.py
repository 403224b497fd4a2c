"""Deterministic English for chain steps: how to state a step precisely, how a user would ask for it, and what can
be asked of its output when it is the last step.

Tools of the default fleet have hand-written phrasings, keyed by server name (as in servers.yaml) and exact tool name;
every other tool gets a generic phrasing built from its description (wording.py), so a third-party tool with a
similar name is never worded as ours. A phrasing never names a tool or a server; precise statements may.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from task_synth.addresses import KINDS as ADDRESS_KINDS
from task_synth.addresses import words as address_words
from task_synth.colours import colour_words, palette_words
from task_synth.compounds import compound_words
from task_synth.conditions import CONDITION, filtered_step
from task_synth.conditions import words as condition_words
from task_synth.grammar import codeish, is_plural, singular
from task_synth.wording import (
    Action,
    Unwordable,
    action,
    chosen,
    evaluates,
    expression_words,
    humanize,
    listing,
    named_value,
    sql_purpose,
)


@dataclass(frozen=True)
class Ask:
    """A value the final answer must contain, read from the last step's output."""

    regex: str | None
    """Regex with one group; None: the kind-based generic choice (see writing.salient)."""
    check: str
    """'numeric' or 'contains'."""
    fuzzy: str
    """The question, as a user would put it ('what day of the week it is there')."""
    precise: str
    answer: str
    """Reference answer with '{value}' where the value goes."""
    case_sensitive: bool = False
    """The value is checked letter case and all (a re-cased or encoded text, whose case is the answer)."""


@dataclass
class StepView:
    """A grounded step as the phrasing functions see it."""

    index: int
    server: str
    tool: str
    description: str
    args: dict[str, Any]
    bound: dict[str, int]
    """Bound parameter -> source step index."""
    composed: dict[str, str] = field(default_factory=dict)
    """Bound parameter -> the fuzzy phrase of the composed value ('{ref}' for the source)."""
    templates: dict[str, str] = field(default_factory=dict)
    """Bound parameter -> the composed value with X standing for the bound part."""
    refs: dict[int, str] = field(default_factory=dict)
    """Source step index -> how the user refers to that step's result ('that time')."""
    param_refs: dict[str, str] = field(default_factory=dict)
    """Bound parameter -> its own wording when the source's usual one names another kind ('the number it reports')."""
    picks: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    """Bound parameter -> (kind, ordinal, count): which of the listed values was taken."""
    kinds: dict[str, str | None] = field(default_factory=dict)
    """Parameter -> its kind in the tool graph (kinds.py), when known."""
    params: dict[str, str] = field(default_factory=dict)
    """Parameter -> its description in the tool's input schema ('' when it has none)."""
    labels: dict[str, str] = field(default_factory=dict)
    """Bound parameter -> what the bound value is, as words ('the future value', 'the number of customers')."""
    collections: list[str] = field(default_factory=list)
    """What the step's output lists, as words: the names of its top-level array fields ('dishes'); the action when
    neither the description nor the tool's name gives one."""
    says_settings: bool = False
    """Settings are said too (`mode: upper`): the answer is the changed text they shape (plain.changed_text_ask)."""

    def is_bound(self, p: str) -> bool:
        return p in self.bound

    def ref(self, p: str) -> str:
        """The fuzzy wording of a bound parameter ('that count', 'the second table it lists')."""
        r = self.base_ref(p)
        phrase = self.composed.get(p)
        return phrase.replace("{ref}", r) if phrase else r

    def base_ref(self, p: str) -> str:
        """How the user refers to the bound value itself, before any composition ('that count')."""
        if self.labels.get(p):
            return self.labels[p]
        r = self.param_refs.get(p) or self.refs.get(self.bound[p], "that result")
        kind, ordinal, count = self.picks.get(p, ("", 0, 1))
        if count > 1:
            return f"the {ORDINALS[ordinal]} {noun(kind)} it lists"
        if self._shares_ref(p, r):
            # two values of one result are never both 'that result': each is said as what it is ('that time')
            k = (self.kinds.get(p) or kind or "").split("@")[0]
            return "there" if k in PLACE_KINDS else f"that {noun(k)}" if noun(k) != "value" else r
        return r

    def _shares_ref(self, p: str, r: str) -> bool:
        """Another parameter bound to the same step would be said with the same words `r`."""
        src = self.bound[p]
        return any(q != p and s == src and q not in self.labels and self.picks.get(q, ("", 0, 1))[2] <= 1
                   and (self.param_refs.get(q) or self.refs.get(s, "that result")) == r
                   for q, s in self.bound.items())

    def shown(self, p: str) -> str:
        """The precise wording of a parameter (bound ones say where they come from)."""
        if p not in self.bound:
            return str(self.args.get(p))
        kind, ordinal, count = self.picks.get(p, ("", 0, 1))
        what = f"the {ORDINALS[ordinal]} {noun(kind)} listed" if count > 1 else f"the {noun(kind)}"
        src = f"{what} in the result of step {self.bound[p] + 1}"
        t = self.templates.get(p)
        return f"`{t}` with X = {src}" if t else src


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth")
PLACE_KINDS = frozenset(("timezone", "city", "country", "location", "place", "airport"))
"""Kinds whose value is a place: a bound one is 'there' ('convert that time from there to Sydney')."""


def noun(kind: str) -> str:
    from task_synth.kinds import KINDS

    return KINDS[kind].noun if kind in KINDS else "value"


def place(tz: str) -> str:
    """'America/New_York' -> 'New York'; 'UTC' -> 'UTC'."""
    return tz.rsplit("/", 1)[-1].replace("_", " ") if "/" in tz else tz


def first_sentence(description: str) -> str:
    s = re.split(r"(?<=[.!?])\s|\n", description.strip(), maxsplit=1)[0].rstrip(".")
    return s[:1].lower() + s[1:] if s else "use this tool"


@dataclass(frozen=True)
class Phrasing:
    precise: Callable[[StepView], str]
    fuzzy: Callable[[StepView], str]
    ref: str = "that result"
    asks: tuple[Ask, ...] = ()
    ref_kind: str | None = None
    """The kind `ref` speaks of; a bound value of another kind is called 'the <noun> it reports'."""

    def ref_for(self, kind: str, label: str = "") -> str:
        """How the user refers to a value of `kind` this step produced ('that count', 'the row count it reports')."""
        if self.ref_kind is None and kind == "number" and self.ref == "that result":
            return f"the {label}" if label else "that figure"
        if self.ref_kind in (None, kind):
            return self.ref
        return f"the {label or noun(kind)} it reports"


_TARGET_TIME = r'"target":\s*\{[^{}]*?"datetime":\s*"\d{4}-\d\d-\d\dT(\d\d:\d\d)'
_DIFF = r'"time_difference":\s*"[+-]?(\d+(?:\.\d+)?)h"'
_WEEKDAY = r'"day_of_week":\s*"(\w+)"'
_AUTHOR = r"Author:\s+([^<\n]+?)\s*(?:<|\n)"


def _tz(v: StepView, p: str, there: str = "there") -> str:
    return there if v.is_bound(p) else place(str(v.args.get(p)))


def _now_fuzzy(v: StepView) -> str:
    if not v.is_bound("timezone"):
        return f"check what time it is right now in {_tz(v, 'timezone')}"
    _, ordinal, count = v.picks.get("timezone", ("", 0, 1))
    return f"check the current time in the {ORDINALS[ordinal]} of those places" if count > 1 else \
        "check the current time there"


def _convert_fuzzy(v: StepView) -> str:
    t = v.ref("time") if v.is_bound("time") else str(v.args.get("time"))
    src = "there" if v.is_bound("source_timezone") else f"in {_tz(v, 'source_timezone')}"
    dst = "that place" if v.is_bound("target_timezone") else _tz(v, "target_timezone")
    return f"work out what {t} {src} is in {dst} time"


def _calc_fuzzy(v: StepView) -> str:
    if v.is_bound("expression"):
        return f"work out {v.ref('expression')}"
    return f"work out {expression_words(str(v.args.get('expression')))}"


def _sql_fuzzy(p: str) -> Callable[[StepView], str]:
    def f(v: StepView) -> str:
        if v.is_bound(p):
            return f"find out {v.ref(p)}"
        said = sql_purpose(str(v.args.get(p)))
        return f"find out {said}" if said else f"run this query against the database: {v.args.get(p)}"
    return f


def _table_fuzzy(p: str, what: str) -> Callable[[StepView], str]:
    def f(v: StepView) -> str:
        return f"see {what} {v.ref(p) if v.is_bound(p) else 'the ' + str(v.args.get(p)) + ' table'} has"
    return f


NUMBER_ASK = Ask(None, "numeric", "what it comes to", "Report the resulting number.", "The result is {value}.")
COUNT_ASK = Ask(None, "numeric", "what the count is", "Report the number returned.", "The count is {value}.")

FIRST_COLUMN_ASK = Ask(r"""['"](?:name|column_name)['"]\s*:\s*['"](\w+)['"]""", "contains",
                       "what its first column is called", "Report the name of the first column.",
                       "The first column is {value}.")

_LIST_TABLES = Phrasing(lambda v: "List the tables of the database.",
                        lambda v: "look up which tables the database has", "one of those tables", ref_kind="table")
_READ_FILE = Phrasing(lambda v: f"Read the file {v.shown('path')}.",
                      lambda v: f"read {v.ref('path') if v.is_bound('path') else str(v.args.get('path'))}",
                      "that file", ref_kind="path")
_SQL = ("that count", (COUNT_ASK,), "number")
_COLUMNS = ("that table", (FIRST_COLUMN_ASK,), "table")

PHRASINGS: dict[str, dict[str, Phrasing]] = {
    "time": {
        "get_current_time": Phrasing(
            lambda v: f"Get the current time in {v.shown('timezone')}.", _now_fuzzy, "that time", ref_kind="time",
            asks=(Ask(_WEEKDAY, "contains", "what day of the week it is there", "Report the day of the week there.",
                      "It is {value} there."),)),
        "convert_time": Phrasing(
            lambda v: (f"Convert {v.shown('time')} from {v.shown('source_timezone')} to "
                       f"{v.shown('target_timezone')}."), _convert_fuzzy, "that converted time", ref_kind="time",
            asks=(Ask(_TARGET_TIME, "contains", "what the clock will say there",
                      "Report the converted local time (HH:MM).", "It will be {value} there."),
                  Ask(_DIFF, "numeric", "how many hours apart the two places are",
                      "Report the time difference in hours.", "The difference is {value} hours."))),
    },
    "calculator": {
        "calculate": Phrasing(lambda v: f"Evaluate {v.shown('expression')}.", _calc_fuzzy, "that number",
                              (NUMBER_ASK,), "number"),
    },
    "everything": {
        "get-sum": Phrasing(
            lambda v: f"Add {v.shown('a')} and {v.shown('b')}.",
            lambda v: f"add {v.ref('a') if v.is_bound('a') else v.args.get('a')} and "
                      f"{v.ref('b') if v.is_bound('b') else v.args.get('b')}", "that sum", (NUMBER_ASK,), "number"),
    },
    "sqlite": {
        "list_tables": _LIST_TABLES,
        "describe_table": Phrasing(lambda v: f"Describe the columns of table {v.shown('table_name')}.",
                                   _table_fuzzy("table_name", "what columns"), *_COLUMNS),
        "read_query": Phrasing(lambda v: f"Run the SQL query {v.shown('query')}.", _sql_fuzzy("query"), *_SQL),
    },
    "duckdb": {
        "list_tables": _LIST_TABLES,
        "list_columns": Phrasing(lambda v: f"List the columns of table {v.shown('table')}.",
                                 _table_fuzzy("table", "what columns"), *_COLUMNS),
        "execute_query": Phrasing(lambda v: f"Run the SQL query {v.shown('sql')}.", _sql_fuzzy("sql"), *_SQL),
        "list_databases": Phrasing(
            lambda v: "List the databases of the connection.", lambda v: "check which databases are available",
            "one of those databases", ref_kind="database"),
    },
    "memory": {
        "search_nodes": Phrasing(
            lambda v: f"Search the knowledge graph for {v.shown('query')}.",
            lambda v: "look up what our notes say about "
                      f"{v.ref('query') if v.is_bound('query') else v.args.get('query')}",
            "that record", ref_kind="entity"),
        "read_graph": Phrasing(
            lambda v: "Read the whole knowledge graph.", lambda v: "go through everything in our notes",
            "one of the records in there", ref_kind="entity"),
    },
    "fetch": {
        "fetch": Phrasing(
            lambda v: f"Fetch {v.shown('url')}.",
            lambda v: f"open {'that page' if v.is_bound('url') else 'the page ' + str(v.args.get('url'))}",
            "that page", ref_kind="url"),
    },
    "git": {
        "git_log": Phrasing(
            lambda v: "Show the commit log of the repository.",
            lambda v: "look through the repository's recent commits", "one of those commits",
            (Ask(_AUTHOR, "contains", "who made the most recent commit", "Report the author of the latest commit.",
                 "The latest commit is by {value}."),), "revision"),
        "git_show": Phrasing(
            lambda v: f"Show {v.shown('revision')} in the repository.",
            lambda v: f"look at {v.ref('revision') if v.is_bound('revision') else v.args.get('revision')} in the "
                      "repository", "that commit",
            (Ask(_AUTHOR, "contains", "who wrote it", "Report the commit's author.", "It was written by {value}."),),
            "revision"),
        "git_branch": Phrasing(
            lambda v: "List the repository's branches.", lambda v: "check which branches the repository has",
            "one of those branches"),
    },
    "filesystem": {
        "list_directory": Phrasing(
            lambda v: f"List the folder {v.shown('path')}.",
            lambda v: f"see what's in {v.ref('path') if v.is_bound('path') else 'the ' + str(v.args.get('path'))} "
                      "folder", "one of those files", ref_kind="path"),
        "read_file": _READ_FILE,
        "read_text_file": _READ_FILE,
        "list_allowed_directories": Phrasing(
            lambda v: "List the directories the file server may access.", lambda v: "check which folders are shared",
            "one of those folders", ref_kind="path"),
    },
}
"""Hand-written phrasings of the default fleet's tools, keyed by the default fleet's server names (servers.yaml),
then the tool's exact name: a third-party tool with a similar name on another server never matches."""


def _generic_precise(v: StepView) -> str:
    args = ", ".join(f"{k}={v.shown(k)}" for k in sorted(set(v.args) | set(v.bound)))
    return f"Call {v.server}/{v.tool} ({first_sentence(v.description)})" + (f" with {args}." if args else ".")


_SKIP_KINDS = ("boolean",)
_SETTING = re.compile(r"(?:^|_)(?:operation|op|action|command|method|format|output|mode|style|verbosity|verbose|"
                      r"detail|details|level|order|sort|sort_?by|sort_?order|response_?format|encoding|indent|pretty|"
                      r"case)$", re.IGNORECASE)
_SETTING_VALUES = re.compile(r"json|text|txt|markdown|md|csv|tsv|xml|yaml|html|plain|raw|table|asc|desc|ascending|"
                             r"descending|brief|detailed|full|summary|compact|concise|short|long|simple|verbose|"
                             r"pretty|minified|default", re.IGNORECASE)


def is_setting(p: str, value: Any) -> bool:
    """An enum argument that only shapes how the answer is given (`format: json`, `sort: desc`), or picks the
    operation the action's words already say (`operation: encode`), not what it is about: never recited. A choice
    of what to look at (`category: seafood`, `region: EU`) is said."""
    return bool(_SETTING.search(humanize(p).replace(" ", "_")) or _SETTING_VALUES.fullmatch(str(value)))
_UNNAMED_KINDS = ("expression", "sql", "timezone", "url", "path", "revision", "entity", "table", "repo", "code",
                  "search", *ADDRESS_KINDS)
"""Kinds whose value says what it is (a page, a file, a commit): said as is, not as 'a path of …'."""


def _value_words(v: StepView, p: str) -> str:
    """A parameter's value as a person would say it: bound ones by reference, arithmetic read out, timezones as
    places."""
    if v.is_bound(p):
        return v.ref(p)
    val, kind = v.args.get(p), v.kinds.get(p)
    if str(kind or "").startswith(CONDITION) and (said := condition_words(val, v.description)):
        return said  # what the person wants, never the expression
    if isinstance(val, list | dict):
        return structured_words(val, _item_kind(p, kind))
    if kind == "expression":
        return expression_words(str(val))
    if kind == "timezone":
        return place(str(val))
    if kind in ("colour", "palette"):
        return colour_words(str(val)) if kind == "colour" else palette_words(str(val))
    if kind == "compound":
        return compound_words(str(val))
    if kind in ADDRESS_KINDS:
        return address_words(str(kind), val)
    if kind in ("text", "prose") and isinstance(val, str) and val != "that same text":
        return f'"{val}"'  # a sentence the person gives, quoted so the request reads where it ends
    if kind in ("json", "csv") and isinstance(val, str):  # pasted after the question too
        from task_synth.freetext import document_words

        return document_words(kind)
    if kind == "markup":  # a pasted page: named here, given after the question (freetext.pasted_pages)
        from task_synth.freetext import page_words

        return page_words(str(val))
    return str(val)


def output_collections(raw: str) -> list[str]:
    """The names of a JSON output's top-level array fields, as words ('dishes'); [] for anything else."""
    try:
        data = json.loads(raw)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    return [w for k, x in data.items() if isinstance(x, list) and x and isinstance(k, str)
            and (w := humanize(k)) and w.isascii() and len(w) > 2]


def _item_kind(p: str, kind: str | None = None) -> str | None:
    """The kind the items of an array parameter take: its array kind's ('[expression]'), else by its name
    ('expressions' -> expression)."""
    if kind and kind.startswith("[") and kind.endswith("]"):
        return kind[1:-1]
    if kind:
        return kind
    return "expression" if re.fullmatch(r"(?:math_?)?(?:expr|expression|formula)s?", p, re.IGNORECASE) else None


def structured_words(val: Any, kind: str | None = None) -> str:
    """An array or object argument said as words, never as a repr: items listed ('a.pdf and b.pdf'), an object by
    its values ('a.pdf' for {'path': 'a.pdf'}; 'unit km and a value of 5' when it has several), arithmetic read out."""
    if isinstance(val, list) and kind == "colour" and len(val) > 1 and all(isinstance(x, str) for x in val):
        return palette_words(",".join(val))
    if isinstance(val, list):
        parts = [structured_words(x, kind) for x in val]
        parts = [x for x in parts if x]
        if any(isinstance(x, dict) and len(x) > 1 for x in val):
            return "; ".join(parts) if parts else "nothing"  # items of several fields each: one per clause
        return listing(parts) if parts else "nothing"
    if isinstance(val, dict):
        items = [(k, x) for k, x in val.items() if x not in (None, "", [], {})]
        if len(items) == 1:
            return structured_words(items[0][1], kind)
        return listing([named_value(str(k), str(x)) if isinstance(x, int | float) and not isinstance(x, bool)
                        else f"{humanize(str(k))} {structured_words(x, kind)}" for k, x in items])
    if kind == "expression" and isinstance(val, str):
        return expression_words(val)
    if kind == "colour" and isinstance(val, str):
        return colour_words(val)
    if kind == "compound" and isinstance(val, str):
        return compound_words(val)
    return str(val)


def _numeric(v: StepView, p: str) -> bool:
    """The parameter takes a figure (a number given, or one bound from an earlier number)."""
    if v.is_bound(p):
        return v.picks.get(p, ("number", 0, 1))[0] == "number" and not v.templates.get(p)
    val = v.args.get(p)
    return isinstance(val, int | float) and not isinstance(val, bool)


def named(v: StepView, p: str) -> str:
    """A value with what it is ('an old value of 7.5', 'a principal of the future value', 'the unit set to
    metres'); values whose kind says what they are (a page, a file, a commit, a query) are said as is."""
    words = _value_words(v, p)
    if str(v.kinds.get(p) or "").startswith(CONDITION):
        return words
    if isinstance(v.args.get(p), list | dict) and not v.is_bound(p):
        if words.startswith("the colours "):
            return words
        return _collection(p, v.args[p], words, v.params.get(p, ""))
    base = (v.kinds.get(p) or "").split("@")[0]
    if base == "unit":
        return f"{unit_role(p)} {words}"
    if base == "colour" and not _ONLY_COLOUR.fullmatch(p):
        return f"{words} as the {colour_role(p)}"
    if v.kinds.get(p) == "prose" and not v.is_bound(p):
        from task_synth.wording import param_noun

        # a sentence given to a parameter of an unknown name: which sentence is which is said by its name
        noun = param_noun(p, v.params.get(p, ""))
        return f"the {noun} {words}" if noun else words
    if v.kinds.get(p) in _UNNAMED_KINDS or (v.kinds.get(p) not in ("enum", "number", None) and not _numeric(v, p)):
        return words
    if v.kinds.get(p) == "enum" or (not _numeric(v, p) and isinstance(v.args.get(p), str)):
        from task_synth.wording import param_noun

        noun = param_noun(p, v.params.get(p, ""))
        if noun and v.kinds.get(p) != "enum" and _CONTENT.search(noun):
            return f"the {noun} \"{words}\""  # content is quoted, not a setting: 'the text "Hannah: visit …"'
        return f"the {noun} set to {words}" if noun else words
    from task_synth.wording import param_noun

    val = v.args.get(p)
    if not param_noun(p, v.params.get(p, "")) and named_value(p, words, v.params.get(p, "")) == words:
        if _COUNT_NAME.fullmatch(p) and isinstance(val, int) and not isinstance(val, bool) and \
                (things := counted_things(v.description)):
            return f"{val} {things}"  # 'n' 5 of 'Return a random sample of rows' -> '5 rows'
        if not v.is_bound(p) or len(v.bound) + len(v.args) > 1:
            # a code name with nothing to say it: a label, never a noun ('a c1 of 12') nor a bare listed value
            label = " ".join(w.upper() if codeish(w) else w for w in humanize(p).split())
            return f"{label} set to {words}"
    return named_value(p, words, v.params.get(p, ""))


_COUNT_NAME = re.compile(r"[nk]|num|count|limit|size|top_?[nk]", re.IGNORECASE)
"""Code names that conventionally hold a count of what the tool works on."""


def counted_things(description: str) -> str:
    """The things a tool's first clause speaks of in the plural ('Return a random sample of rows' -> 'rows'): what a
    count given with no name of its own counts; '' when it names none."""
    from task_synth.wording import first_clause

    return next((w.lower() for w in first_clause(description).split()[1:] if w.isalpha() and w.islower()
                 and is_plural(w) and len(w) > 3), "")


_CONTENT = re.compile(r"\b(?:text|string|input|content|message|sentence|phrase|body|snippet|passage|note)$")
"""Nouns of parameters that take a text to work on (said quoted), not a setting (said 'set to')."""
_ONLY_COLOUR = re.compile(r"colou?r|hex|hex_?(?:code|value)|value|input|base|seed|c", re.IGNORECASE)
"""Colour parameters whose name says no more than that they take a colour: said as the colour alone."""
_ROLE_WORDS = {"fg": "foreground", "bg": "background", "fore": "foreground", "back": "background"}


def colour_role(p: str) -> str:
    """What a colour parameter's colour is for, as words ('fg' -> 'foreground colour', 'base_color' -> 'base
    color', 'c1' -> 'first colour')."""
    words = [_ROLE_WORDS.get(w, w) for w in humanize(p).split()]
    if words and re.fullmatch(r"c?\d", words[-1]):
        n = int(words.pop()[-1])
        words.insert(0, ORDINALS[n - 1] if 0 < n <= len(ORDINALS) else str(n))
    words = [w for w in words if w != "c"]
    if not any(re.fullmatch(r"colou?rs?", w) for w in words):
        words.append("colour")
    return " ".join(words)


def unit_role(p: str) -> str:
    """'from' for a unit converted from, 'to' for one converted to, else 'in'."""
    w = humanize(p)
    if re.search(r"\b(?:from|source|src|input|in|old|base)\b", w):
        return "from"
    if re.search(r"\b(?:to|target|dst|dest|output|out|new)\b", w):
        return "to"
    return "in"


def _collection(p: str, val: Any, words: str, description: str) -> str:
    """An array or object argument with what it holds: 'the expression 2 to the power of 10', 'the files a.pdf and
    b.pdf' (the parameter's noun, singular for one item)."""
    from task_synth.wording import param_noun

    keys = {k for x in val if isinstance(x, dict) and len(x) == 1 for k in x} if isinstance(val, list) else set()
    if len(keys) == 1 and all(isinstance(x, dict) and len(x) == 1 for x in val):
        key = keys.pop()
        texts = [x[key] for x in val]
        if _CONTENT.search(humanize(key)) and all(isinstance(t, str) for t in texts):
            # items that are a text each are said as their texts, quoted: 'the text "Hannah: visit …"'
            return f"the {humanize(key)}{'s' if len(texts) > 1 else ''} " + " and ".join(f'"{t}"' for t in texts)
    noun = param_noun(p, description)
    if not noun:
        return words
    if isinstance(val, list) and len(val) == 1:
        noun = singular(noun)
    if isinstance(val, list) and any(isinstance(x, dict) and len(x) > 1 for x in val):
        return f"the {noun} with {words}"  # 'the item with a quantity of 5 and a unit price of 480'
    if isinstance(val, list) and _GATHERING.search(noun):
        return f"the {noun} of {words}"  # 'the price history of 40 and 52', never 'the price history 40'
    return f"the {noun} {words}"


_GATHERING = re.compile(r"\b(?:history|series|sequence|list|array|set|vector|matrix|sample|log|trail|record)$")
"""Head nouns of a collection that is not the things it holds: its items are said after 'of'."""


_PLACE = re.compile(r"^(?:\w+ )?(sheet|worksheet|tab|table|file|document|doc|workbook|spreadsheet|folder|directory|"
                    r"dir|collection|database|db|board|diagram|deck|presentation|notebook|chapter|repo|repository|"
                    r"bucket|path)(?: (?:name|path|title))?$")
_PLACE_NOUNS = {"doc": "document", "dir": "folder", "directory": "folder", "db": "database", "repo": "repository"}
_FILE_LIKE = re.compile(r"[\\/]|\.[A-Za-z0-9]{1,5}$")


def place_param(v: StepView, p: str) -> str:
    """The container noun of a parameter that says where the work happens (a file, a sheet, a table, a folder, a
    board: by its name's head noun or its `path`/`table` kind), '' for any other; only literal text values count."""
    val = v.args.get(p)
    if v.is_bound(p) or not isinstance(val, str) or not val.strip() or len(val) > 80 or "\n" in val:
        return ""
    m = _PLACE.match(humanize(p))
    if m:
        return _PLACE_NOUNS.get(m.group(1), m.group(1))
    return {"path": "path", "table": "table"}.get(str(v.kinds.get(p) or ""), "")


def place_words(v: StepView, params: list[str]) -> str:
    """Where the step works, said as one place, innermost first: 'the Orders sheet of brightwater.xlsx' (for a file
    and a sheet given as two values), never the handles listed ('brightwater.xlsx and Orders'). '' when the step
    has no place parameter."""
    parts = []
    for p in params:
        noun = place_param(v, p)
        if not noun:
            continue
        val = str(v.args[p]).strip()
        if noun in ("path", "file") or _FILE_LIKE.search(val) or noun.split()[-1] in val.lower():
            parts.append(val)  # a file name, 'Sheet1': the value says what it is
        else:
            parts.append(f"the {val} {noun}")
    return " of ".join(reversed(parts))


_INDEFINITE_END = re.compile(r"\b(?:an?|the|one|some) (?:(?:specific|given|particular|single|named|new|existing) )?"
                             r"[\w-]+(?: [\w-]+)?$")


def _generic_fuzzy(v: StepView) -> str:
    """The step as its description states it, in the imperative ('show the working tree status'), applied to its
    values, each said with what it is ('calculate percent change with an old value of 7.5 and a new value of the
    number of customers'), never as a bare list ('for 7.5, 12, 3')."""
    order = {p: i for i, p in enumerate(v.params)}  # the schema's order: 'from an old value … to a new value'
    params = sorted((k for k in set(v.args) | set(v.bound) if v.kinds.get(k) not in _SKIP_KINDS
                     and not (v.kinds.get(k) == "enum" and is_setting(k, v.args.get(k)) and not v.says_settings)),
                    key=lambda k: (order.get(k, len(order)), k))
    sql = [k for k in params if v.kinds.get(k) == "sql" and not v.is_bound(k)]
    if sql and sql_purpose(str(v.args[sql[0]])):
        return f"find out {sql_purpose(str(v.args[sql[0]]))}"
    cond = [k for k in params if str(v.kinds.get(k) or "").startswith(CONDITION) and not v.is_bound(k)]
    if cond and condition_words(v.args.get(cond[0]), v.description):
        try:
            imperative = action(v.description, v.tool).imperative()
        except Unwordable:
            imperative = ""
        where = place_words(v, params)
        rest = [named(v, k) for k in params if k != cond[0] and not (where and place_param(v, k))]
        return filtered_step(imperative, _value_words(v, cond[0]), rest, where)
    try:
        act = chosen(action(v.description, v.tool), [x for x in v.args.values() if isinstance(x, str)])
    except Unwordable:
        if not v.collections:
            raise
        said = [named(v, k) for k in params]
        return f"look up the {v.collections[0]}" + (f" for {listing(said)}" if said else "")
    expr = len(params) == 1 and (v.kinds.get(params[0]) == "expression" or (
        _item_kind(params[0], v.kinds.get(params[0])) == "expression" and isinstance(v.args.get(params[0]), list)))
    if expr and evaluates(v.description, v.tool):
        return f"work out {_value_words(v, params[0])}"
    if not params:
        return f"look up the {act.obj}" if act.verb is None and act.obj else act.imperative()
    where = place_words(v, params) if len(params) > 1 else ""
    if where:  # 'sample rows in the Orders sheet of brightwater.xlsx with 5 rows', never the handles listed
        said = [named(v, k) for k in params if not place_param(v, k)]
        return f"{act.imperative()} in {where}" + (f" with {listing(said)}" if said else "")
    route = _route(v, params)
    if route is not None and act.verb is not None:
        # 'convert that time from there to Sydney', never 'convert time between timezones with that result, that
        # result and Sydney': the two ends said as a route, the other values as what the verb works on
        rest = [k for k in params if k not in route]
        what = listing([_value_words(v, k) if v.is_bound(k) else named(v, k) for k in rest]) if rest else act.obj
        ends = f"from {_value_words(v, route[0])} to {_value_words(v, route[1])}"
        return f"{act.verb} {what} {ends}".replace("  ", " ")
    said, units = _with_units(v, params)
    plain = [k for k in params if named(v, k) == _value_words(v, k)]
    if units and said:  # 'convert a distance with a value of 40 from km to mi'
        return f"{act.imperative()} with {listing(said)} {units}"
    said = said or [units]
    end = _INDEFINITE_END.search(act.obj)
    slot = _slot(act.obj, params[0]) if len(params) == 1 and plain and act.verb is not None else None
    if slot is not None and (end is None or slot.end() < end.start()):
        # 'check whether a date is a public holiday' -> 'check whether 2026-06-24 is a public holiday': the phrase
        # naming the parameter takes the value, never the sentence's last noun
        return f"{act.verb} {act.obj[:slot.start()]}{said[0]}{act.obj[slot.end():]}"
    if len(params) == 1 and plain and act.verb is not None and end and not act.obj[:end.start()].endswith(" as ") \
            and (act.obj[:end.start()].strip() or not end.group(0).startswith("the ")):
        # ('get the recipe' given a name is 'get the recipe for …': the thing got, not a slot for the value)
        # 'get the weather for a city' -> 'for Lisbon'; never a manner ('draw one compound as a 2D structure')
        return f"{act.verb} {_INDEFINITE_END.sub(said[0], act.obj)}"
    if len(params) == 1 and act.verb is not None and end and said and \
            re.match(rf"(?:an?|the) {re.escape(end.group(0).split(' ', 1)[1])} of ", said[0]):
        # 'estimate the heart rate for an age' with 'an age of 45 years' -> '… for an age of 45 years'
        return f"{act.verb} {act.obj[:end.start()]}{said[0]}"
    if len(params) == 1 and act.verb is not None and end and v.kinds.get(params[0]) == "enum" \
            and end.group(0).split()[-1] == humanize(params[0]).split()[-1]:
        # 'list the recipes of a category' given seafood -> 'of the seafood category'
        return f"{act.verb} {act.obj[:end.start()]}the {_value_words(v, params[0])} {end.group(0).split()[-1]}"
    head = humanize(params[0]).split()[-1] if humanize(params[0]) else ""
    choice = re.search(rf"\b(?:an?|one|some) (?:(?:specific|given|particular|single) )?((?:[\w-]+ ){{0,2}}?"
                       rf"{re.escape(head)})\b", act.obj) if head and len(params) == 1 else None
    if choice and v.kinds.get(params[0]) == "enum" and not v.is_bound(params[0]):
        # 'Section ids and titles of one edition of the pump manual' given 2024 -> '… of edition 2024 of …'
        obj = f"{act.obj[:choice.start()]}{choice.group(1)} {_value_words(v, params[0])}{act.obj[choice.end():]}"
        return Action(act.verb, obj).imperative()
    if len(params) == 1 and plain and act.verb is None and end and act.obj[:end.start()].strip() \
            and not end.group(0).startswith("the "):
        # 'The first working day after a date' given 2026-10-05 -> 'work out the first working day after 2026-10-05'
        return Action(None, _INDEFINITE_END.sub(said[0], act.obj)).imperative()
    if len(params) == 1 and (plain or act.verb is None):
        return act.applied(_value_words(v, params[0]))
    if len(said) == 1 and " with " in said[0]:  # 'for the item with a quantity of 3 …', not 'with … with …'
        return f"{act.imperative()} for {said[0]}"
    # a value said twice is said once: a place and its timezone are both 'Lisbon'
    return f"{act.imperative()} with {listing(list(dict.fromkeys(said)))}"


def _slot(obj: str, param: str) -> re.Match[str] | None:
    """Where an action's object names the parameter as an indefinite thing ('a date' for `date`), else None."""
    head = humanize(param).split()[-1] if humanize(param) else ""
    if not head or head in ("value", "input", "text", "data"):
        return None
    return re.search(rf"\b(?:an?|one|some) (?:(?:specific|given|particular|single) )?{re.escape(head)}\b", obj)


_NOT_ENDS = ("unit", "number", "text", "markup", "json", "csv", "enum", "boolean")
"""Kinds never said as a route's ends: units have their own wording, figures their names ('an old value of 7.5')."""


def _route(v: StepView, params: list[str]) -> tuple[str, str] | None:
    """(the parameter a step goes from, the one it goes to) when it has exactly one of each, of one kind that is not a
    unit nor content ('source_timezone' and 'target_timezone', 'from_currency' and 'to_currency'); None otherwise."""
    def base(k: str) -> str:
        return str(v.kinds.get(k) or "").split("@")[0]

    ends = [k for k in params if base(k) and base(k) not in _NOT_ENDS and not (not v.is_bound(k) and _numeric(v, k))
            and unit_role(k) != "in"]
    src = [k for k in ends if unit_role(k) == "from"]
    dst = [k for k in ends if unit_role(k) == "to"]
    if len(src) == 1 and len(dst) == 1 and base(src[0]) == base(dst[0]):
        return src[0], dst[0]
    return None


def _with_units(v: StepView, params: list[str]) -> tuple[list[str], str]:
    """(every other value named, the units as one phrase: 'from km to mi', 'in kg'; '' when there are none)."""
    def unit(k: str) -> bool:
        return (v.kinds.get(k) or "").split("@")[0] == "unit"

    units = [named(v, k) for k in params if unit(k)]
    return [named(v, k) for k in params if not unit(k)], " ".join(units)


GENERIC = Phrasing(_generic_precise, _generic_fuzzy)


def hand_written(server: str, tool: str) -> Phrasing | None:
    """The default fleet's own phrasing of `server`/`tool` (PHRASINGS), None for every other tool."""
    return PHRASINGS.get(server, {}).get(tool)


def phrasing(server: str, tool: str, view: StepView | None = None) -> Phrasing:
    """The hand-written phrasing of a default-fleet tool, else GENERIC (built from the tool's description). Given
    the step, a hand-written phrasing that speaks of parameters the step does not have is not used."""
    p = hand_written(server, tool)
    if p is None:
        return GENERIC
    return p if view is None or fits(p, view) else GENERIC


def fits(p: Phrasing, v: StepView) -> bool:
    """The phrasing renders the step without a missing parameter ('None' where a value should be)."""
    try:
        text = p.fuzzy(v) + " " + p.precise(v)
    except (KeyError, AttributeError, TypeError):
        return False
    return "None" not in text or any("None" in str(a) for a in v.args.values())


__all__ = [
    "GENERIC",
    "NUMBER_ASK",
    "PHRASINGS",
    "Ask",
    "Phrasing",
    "StepView",
    "first_sentence",
    "fits",
    "hand_written",
    "named",
    "noun",
    "output_collections",
    "phrasing",
    "place",
    "structured_words",
]
