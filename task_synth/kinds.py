"""Value kinds: what a tool parameter takes and what a tool output contains, so outputs can be wired to inputs.

A kind knows (a) which parameters take it (by name, description, JSON type, format), (b) how to find its values in a
tool's text output, (c) seed values for parameters when no earlier step provides one, and (d) how values of other
kinds compose into it (a number into an arithmetic expression, a table name into a SQL query). Kinds are data in a
registry (`register_kind`), so a suite author can teach the graph a new domain without touching the pipeline.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcpbench._registry import Registry
from task_synth.binding import regex_search
from task_synth.compounds import NAMES, SMILES

NUMBER = r"-?\d+(?:\.\d+)?"
NEVER = r"(?!)()"
"""`find` of kinds that are only ever composed or seeded, never read out of an output (SQL, expressions)."""


@dataclass(frozen=True)
class Kind:
    name: str
    pattern: str
    """Regex (no groups) of one value: the capture group of references that read this kind."""
    params: str = r"(?!)"
    """Regex fullmatched (case-insensitive) against a parameter name."""
    described: str = r"(?!)"
    """Regex searched (case-insensitive) in a parameter's description."""
    find: str | None = None
    """Regex with one group locating values in an output (default: `pattern` with word boundaries)."""
    sources: str | None = None
    """Regex on 'server/tool' restricting which outputs are searched for this kind (None: every output)."""
    produced_by: str = r"(?!)"
    """Regex searched in a tool's output schema and description: schema evidence that the tool yields this kind."""
    seeds: tuple[Any, ...] = ()
    noun: str = "value"
    json_type: str = "string"
    accept: Callable[[str, int, int], bool] | None = None
    """Extra test of a found value (text, start, end): e.g. numbers must be quantities, timezones must exist."""
    param_described: str = r"(?!)"
    """Regex on a string parameter's description: the parameter takes this kind even when its name says nothing
    (an `object` "to show (commit hash, branch, tag…)")."""
    items: int = 1
    """How many values of this kind an array parameter gets (a palette of one colour is no palette)."""


@dataclass(frozen=True)
class Composer:
    """Build a parameter of kind `into` around one value of kind `source`: `template` has one '{}'."""

    into: str
    source: str
    templates: tuple[str, ...]
    phrases: tuple[str, ...] = ()
    """Fuzzy wording per template ('{ref}' is the phrase for the bound value)."""


KINDS: Registry[Kind] = Registry("kind")
COMPOSERS: list[Composer] = []


def register_kind(kind: Kind) -> Kind:
    """Register `kind` under its name. Raises ValueError when the name is taken."""
    return KINDS.add(kind.name, kind)


def register_composer(composer: Composer) -> Composer:
    COMPOSERS.append(composer)
    return composer


QUANTITY = re.compile(r"count|total|sum|result|amount|price|quantity|qty|value|difference|avg|mean|min|max|number|"
                      r"size|population|revenue|cost|units|stock|rows|length|score|balance|budget|target|hours|days",
                      re.IGNORECASE)
_KEY_LEFT = re.compile(r"""(["'])([^"'\n]{1,60})\1\s*:\s*["']?$""")


_PROSE_RESULT = re.compile(r"(?:[\d)]\s*=|\b(?:equals|comes to|(?:result|sum|total|answer|product|quotient|"
                           r"difference|value|count)\s+(?:is|was|of))|\bis)\s*[$€£]?\s*$", re.IGNORECASE)
_PROSE_AFTER = re.compile(r"\s*(?:[.!,;)]|\s*$|\s+[A-Za-z%]{1,12}\b[.!]?\s*$)")


def is_quantity(text: str, start: int, end: int) -> bool:
    """A number worth computing with: the whole output, the value of a field named like a quantity, or — in prose —
    the result a line states ("12 + 3 = 15", "The result is 15.", "The total comes to 40 EUR.")."""
    if text.strip() == text[start:end]:
        return True
    m = _KEY_LEFT.search(text[max(0, start - 80):start])
    if m:
        return bool(QUANTITY.search(m.group(2)))
    line_left = text[max(0, start - 80):start].rsplit("\n", 1)[-1]
    line_right = text[end:end + 40].split("\n", 1)[0]
    if not _PROSE_RESULT.search(line_left) or not _PROSE_AFTER.match(line_right):
        return False
    return not re.search(r"\bis\s*$", line_left, re.IGNORECASE) or bool(QUANTITY.search(line_left))


def is_timezone_name(text: str, start: int, end: int) -> bool:
    import zoneinfo

    try:
        zoneinfo.ZoneInfo(text[start:end])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


IANA = (r"(?:Africa|America|Antarctica|Asia|Atlantic|Australia|Europe|Indian|Pacific)"
        r"/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?")

register_kind(Kind("timezone", IANA, params=r".*time_?zone.*|tz", described=r"IANA|time ?zone",
                   find=rf"(?<![\w/])({IANA}|UTC)(?![\w/])", produced_by=r"time_?zone", accept=is_timezone_name,
                   seeds=("Europe/Lisbon", "Asia/Tokyo", "America/New_York", "Pacific/Auckland", "Asia/Singapore",
                          "America/Denver", "Europe/Berlin", "Australia/Sydney"), noun="timezone"))
register_kind(Kind("time", r"\d\d:\d\d", params=r"time|clock|hhmm", described=r"HH:MM",
                   param_described=r"\bHH:MM\b", find=r"(?:(?<=T)|(?<![\d:+-]))((?:[01]\d|2[0-3]):[0-5]\d)(?!\d)",
                   produced_by=r"datetime|\btime\b",
                   seeds=("09:30", "14:00", "17:45", "08:15", "11:20", "16:40"), noun="time"))
register_kind(Kind("date", r"\d{4}-\d\d-\d\d", params=r".*date.*|day", described=r"YYYY-MM-DD|\bdate\b",
                   find=r"(?<![\d-])(\d{4}-\d\d-\d\d)(?![\d-])", produced_by=r"\bdate|datetime", noun="date",
                   seeds=("2026-10-15", "2026-10-02", "2026-11-16")))
"""Dates seed from Brightwater's calendar (docs/world.md): the go/no-go call, the gateway outage, the 2.5.0 release."""
register_kind(Kind("expression", r".+", params=r"expr(ession)?|formula|calculation", described=r"expression",
                   find=NEVER,
                   seeds=("12 * 7", "(45 + 15) / 4", "2 ** 10", "365 * 24", "1250 * 0.23", "(18 - 4) * 3.5"),
                   noun="expression"))
FUNCTION = "function"
"""An expression in a variable ("func_str: Math expression in x", "Right-hand side f(x, y)"): what a root finder,
an integrator or an ODE solver takes. Never arithmetic on constants: a constant ("12 * 7") has no root to find and
the server may reject it, and prose is no expression at all. `function` is in x (and serves f(x, y) too, which
accepts an expression in x alone); `function.t` and the like are in another variable."""
_FUNCTIONS_IN_X = ("cos(x)", "x**2 - 3*x + 2", "exp(-x)", "x**3 - 2*x - 5", "1/(1 + x**2)", "sin(x) + x/2")
FUNCTION_VARIABLES = ("x", "t", "y", "z", "n", "s", "u")
_EXPRESSION_WORDS = re.compile(r"\b(?:expression|function|formula|equation|integrand|polynomial|right[- ]hand side|"
                               r"rhs)\b", re.IGNORECASE)
_IN_VARIABLE = re.compile(r"\b(?:expression|function|formula|equation|integrand|polynomial)s?\s+(?:in|of)\s+"
                          r"(?:terms of\s+)?(?:the variables?\s+)?[`'\"]?(?!a\b|i\b)([a-z])\b(?![`'\"]?\s*[(=])",
                          re.IGNORECASE)
_CALL_OF = re.compile(r"(?<![\w'])[a-zA-Z]\s*\(\s*([a-z])\s*(?:,\s*[a-z]\s*){0,3}\)")


def function_kind(variable: str) -> str:
    """The kind of an expression in VARIABLE: `function` in x, `function.<v>` in another variable."""
    return FUNCTION if variable == "x" else f"{FUNCTION}.{variable}"


def expression_variable(description: str) -> str | None:
    """The variable a parameter's description says its expression is in ("Math expression in x", "function of t",
    "g(x)", "f(x, y)": x), else None. The description must say it is an expression, function, equation or
    right-hand side, so a figure that merely mentions f(x) ("Point where f(x) is evaluated") is not one; a regular
    or cron expression never is."""
    if not _EXPRESSION_WORDS.search(description) or NOT_ARITHMETIC.search(description):
        return None
    m = _IN_VARIABLE.search(description) or _CALL_OF.search(description)
    if m is None or m.group(1).lower() not in FUNCTION_VARIABLES:
        return None
    return "x" if re.search(r"\bx\b", m.group(0), re.IGNORECASE) else m.group(1).lower()


register_kind(Kind("cron", r"\S+(?: \S+){4}", params=r"cron(_?expr(ession)?|_?schedule)?", described=r"\bcron\b",
                   find=NEVER, param_described=r"\bcron\b", seeds=("0 9 * * 1-5", "30 17 * * 5", "0 6 1 * *"),
                   noun="schedule"))
NOT_ARITHMETIC = re.compile(r"\b(?:cron|regular|regex|json ?path|xpath|jq|jmespath|glob|css)\s+expression|"
                            r"\bcron\b|\bregex\b|\bregular expression\b", re.IGNORECASE)
"""Description words that make an `expression` parameter something other than arithmetic ("Cron expression (5
fields …)", "Regular expression to match"): it does not take the arithmetic seeds (a cron one takes `cron`)."""
for _v in FUNCTION_VARIABLES:
    register_kind(Kind(function_kind(_v), r".+", find=NEVER, noun="function",
                       seeds=tuple(re.sub(r"\bx\b", _v, f) for f in _FUNCTIONS_IN_X)))
register_kind(Kind("number", NUMBER, find=rf"(?:(?<=\":)|(?<![\w.:/-]))({NUMBER})(?![\w:/-]|\.\w|-\d)",
                   produced_by=r"result|sum|total|count|number|amount", seeds=(12, 7.5, 40, 128, 3),
                   noun="number", json_type="number", accept=is_quantity))
register_kind(Kind("table", r"[A-Za-z_][A-Za-z0-9_]*", params=r"table(_?name)?", described=r"\btable\b",
                   find=r"""['"]name['"]\s*:\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]""",
                   sources=r"list_?(?:\w+_)?tables|show_?tables",
                   produced_by=r"\btables\b", noun="table"))
register_kind(Kind("sql", r".+", params=r"query|sql|statement", described=r"\bSQL\b|SELECT", find=NEVER,
                   noun="query"))
register_kind(Kind("url", r"https?://[^\s'\"<>)\]]+", params=r"url|uri|href|link", described=r"\bURL\b",
                   find=r"(?<![\w/])(https?://[^\s'\"<>)\]]+[^\s'\"<>)\].,;:])", produced_by=r"\burl|link",
                   noun="page"))
register_kind(Kind("path", r"[\w./-]+\.\w{1,5}",
                   # a file it reads: 'path', 'file_name', 'document_path', 'csvFile'; not where a write puts one
                   # ('output_path', 'save_path'), a repository, or a JSON/XPath expression
                   params=r"(?!repo|json_?path|x_?path|output|out_|save|target|dest|export|new_)(?:\w+_)?"
                          r"(?:path|file(?:_?path|_?name)?)|(?:document|input|source|csv|markdown|md|text|data)_?"
                          r"(?:path|file)",
                   param_described=r"\b(?:path to (?:the|a|an) [\w ]{0,20}file|file ?path)\b", described=r"\bfile\b",
                   find=r"(?:\[FILE\]\s+|['\"])([\w./-]+\.(?:md|txt|json|csv|yaml|yml|html|py|log))(?![\w])",
                   sources=r"director|files?\b|list|search|tree", produced_by=r"\bfiles?\b|director",
                   noun="file"))
register_kind(Kind("repo", r"\.", params=r"repo(sitory)?(_?path)?", described=r"repositor", seeds=(".",), find=NEVER,
                   noun="repository"))
register_kind(Kind("revision", r"[0-9a-f]{7,40}|v\d+\.\d+\.\d+", params=r"revision|commit|sha|ref|target",
                   described=r"commit|revision|branch|tag",
                   find=r"(?<![\w])([0-9a-f]{40}|v\d+\.\d+\.\d+)(?![\w])", sources=r"git",
                   produced_by=r"commit", noun="commit", param_described=r"\bcommit (hash|sha|id)\b"))
register_kind(Kind("entity", r"[^\"'\n]{2,80}", params=r"entity_?name|names|name", described=r"\bentit",
                   find=r"""['"]name['"]\s*:\s*['"]([^"'\n]{2,80})['"]""", sources=r"graph|node|entit",
                   produced_by=r"\bentit", noun="record"))
register_kind(Kind("code", r".+", params=r"code|source(_?code)?|script|snippet|program|src",
                   described=r"(?s)^(?!.*\b(?:country|currency|postal|zip|iso|status|error|http|airport|promo|coupon|"
                             r"discount|verification|otp|colou?r|language code|unit)\b)"
                             r".*\b(?:code|snippet|script|program|source)\b",
                   find=NEVER, noun="program"))
register_kind(Kind("search", r"[^\"'\n]{2,80}", params=r"query|search|keyword|term|pattern", described=r"search",
                   find=NEVER,
                   noun="search"))

HEX_COLOUR = r"#[0-9A-Fa-f]{6}(?![0-9A-Fa-f])|#[0-9A-Fa-f]{3}(?![0-9A-Fa-f])"
RGB_COLOUR = r"rgba?\(\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*,\s*\d{1,3}%?\s*(?:,\s*[\d.]+\s*)?\)"
COLOUR_NAMES = ("black", "white", "red", "green", "blue", "yellow", "orange", "purple", "pink", "brown", "grey",
                "gray", "navy", "teal", "olive", "maroon", "cyan", "magenta", "lime", "silver", "gold", "indigo",
                "violet", "coral", "salmon", "crimson", "turquoise", "beige", "ivory", "lavender")
"""Named colours every colour parser knows: a documented example among them joins the colour pool."""


def _mixed_hex(text: str, start: int, end: int) -> bool:
    """Six hex digits that look like a colour code, not a number or a word: both digits and letters A-F."""
    v = text[start:end]
    return any(c.isdigit() for c in v) and any(c.isalpha() for c in v) and (v.isupper() or v.islower())


register_kind(Kind("palette", r"#[0-9A-Fa-f]{6}(?:,#[0-9A-Fa-f]{6})+", params=r"palette|colou?rs|swatches",
                   find=NEVER, seeds=("#0B3C5D,#328CC1,#D9B310,#F5F5F5", "#264653,#2A9D8F,#E9C46A,#F4A261,#E76F51",
                                      "#1F77B4,#FF7F0E,#2CA02C"), noun="palette"))
"""Several colours in one string parameter (`palette: "#264653,#2A9D8F,…"`); an array of them is `[colour]`."""
register_kind(Kind("colour", rf"(?:{HEX_COLOUR}|{RGB_COLOUR}|(?i:{'|'.join(COLOUR_NAMES)}))",
                   params=r"(?!\w*(?:mode|space|profile|scheme|blind|count|type|format|depth|model|harmony))"
                          r"(?:(?:\w+_)?(?:hex|hex_?(?:code|value)|fg|bg|foreground|background|fill|stroke|tint|"
                          r"swatch)(?:_?(?:colou?r|hex|code|value|\d))?|\w*colou?r\w*)",
                   described=r"\bcolou?r\b|\bhex\b|#[0-9a-f]{3,6}\b|rgb\(",
                   find=rf"(?<![\w#])({HEX_COLOUR}|{RGB_COLOUR})", produced_by=r"\bcolou?rs?\b|\bhex\b|palette",
                   seeds=("#1F77B4", "#2CA02C", "#D62728", "#FF7F0E", "#9467BD", "#17BECF", "#FFFFFF", "#222222"),
                   noun="colour", items=3,
                   param_described=r"^\W*(?:the |a |an )?(?:[\w-]+ ){0,3}(?:hex(?:adecimal)? )?colou?r\b(?! (?:space|"
                                   r"mode|profile|scheme|blind|name))|\bhex(?:adecimal)? colou?r|#[0-9a-f]{6}\b|"
                                   r"\brgb\("))
register_kind(Kind("hexcode", r"[0-9A-Fa-f]{6}", find=r"(?<![\w#-])([0-9A-Fa-f]{6})(?![\w-])", accept=_mixed_hex,
                   noun="colour code"))
"""Bare colour codes ('1F77B4' in a listing of a palette): never a parameter's kind, composed into a colour."""

register_kind(Kind("compound", r"[A-Za-z0-9@+\-\[\]\(\)=#$/\\.%:]+",
                   params=r"(?:\w+_)?smiles(?:_?(?:strings?|list|input|code))?|name_or_smiles",
                   find=NEVER, param_described=r"\bSMILES\b", seeds=SMILES, noun="compound", items=2))
"""Chemical compounds as SMILES (compounds.py): named or described as SMILES; chemistry tools' `molecule`,
`structures`, `compounds` parameters get it from `compounds.assign`. Seeds: the water-treatment pool."""
register_kind(Kind("compound_name", r"[A-Za-z][A-Za-z0-9 ,()'-]{1,60}", find=NEVER, seeds=NAMES,
                   noun="compound"))
"""A compound by its common name (`compound_name`, `name_or_smiles` of a chemistry tool: compounds.assign)."""
register_composer(Composer("colour", "hexcode", ("#{}",), ("{ref}",)))
register_composer(Composer("expression", "number",
                           ("{} * 2", "{} + 15", "{} / 4", "({} - 3) * 1.5", "{} * 0.23", "{} * 60"),
                           ("double {ref}", "{ref} plus 15", "{ref} divided by 4", "{ref} minus 3, times 1.5",
                            "23% of {ref}", "{ref} times 60")))
register_composer(Composer("sql", "table", ("SELECT COUNT(*) FROM {}",), ("how many rows {ref} holds",)))
register_composer(Composer("search", "entity", ("{}",), ("{ref}",)))


def param_kind(name: str, schema: dict[str, Any]) -> str | None:
    """The kind a parameter takes, from its name, description, type and format; None when unknown.

    Enums and booleans are literal-only parameters: 'enum' / 'boolean'.
    """
    if not isinstance(schema, dict):
        return None
    schema = nullable_unwrapped(schema)
    if "enum" in schema:
        return "enum"
    desc = str(schema.get("description", "")) + " " + str(schema.get("title", ""))
    t = schema.get("type")
    types = set(t) if isinstance(t, list) else {t}
    if "boolean" in types and len(types - {None}) == 1:
        return "boolean"
    if types & {"array", "object"}:
        return None
    if schema.get("format") in ("uri", "url"):
        return "url"
    if schema.get("format") in ("email", "idn-email", "ipv4"):
        return "ipv4" if schema["format"] == "ipv4" else "email"
    numeric = bool(types & {"number", "integer"})
    variable = expression_variable(desc) if types <= {"string", None} else None
    if variable is not None:
        return function_kind(variable)
    for k in KINDS.values():
        if k.name in ("number", "search"):
            continue
        if re.fullmatch(k.params, name, re.IGNORECASE) and (k.json_type == "number") == numeric:
            # 'query' is SQL only when the description says so; otherwise it is a search query
            if k.name == "sql" and not re.search(k.described, desc, re.IGNORECASE) and name.lower() != "sql":
                continue
            if k.name in ("entity", "revision", "code") and not re.search(k.described, desc, re.IGNORECASE):
                continue
            if k.name == "expression" and NOT_ARITHMETIC.search(desc):
                continue
            return k.name
    if re.fullmatch(KINDS["search"].params, name, re.IGNORECASE) and "string" in types:
        return "search"
    if types <= {"string", None}:
        for k in KINDS.values():
            if re.search(k.param_described, desc, re.IGNORECASE):
                return k.name
    untyped = types == {None} and not any(k in schema for k in ("anyOf", "oneOf", "allOf", "$ref", "const"))
    if numeric or (untyped and _untyped_figure(name, desc)):
        return "number"
    return None


def _untyped_figure(name: str, desc: str) -> bool:
    """A parameter with no type (an unannotated function's `amount: {}`) whose name or description says it is a
    figure of a known class (money, a count, a rate, a period): it takes numbers as a typed one would."""
    from task_synth.magnitudes import plausible

    return bool(plausible(name, {"type": "number", "description": desc}))


def nullable_unwrapped(schema: dict[str, Any]) -> dict[str, Any]:
    """A schema with no `type` whose `anyOf`/`oneOf` is one type or null (`Optional[float]` as pydantic writes it)
    as that type, keeping the description, title and default; any other schema unchanged."""
    alts = schema.get("anyOf") or schema.get("oneOf")
    if "type" in schema or not isinstance(alts, list):
        return schema
    real = [a for a in alts if isinstance(a, dict) and a.get("type") != "null"]
    if len(real) != 1 or len(real) == len(alts):
        return schema
    return {**{k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}, **real[0]}


def _find(kind: Kind) -> re.Pattern[str]:
    return re.compile(kind.find or rf"(?<![\w])({kind.pattern})(?![\w])", re.DOTALL)


def find_values(kind_name: str, text: str, source: str = "") -> list[tuple[int, int, str]]:
    """(start, end, value) of every value of a kind in an output; respects the kind's `sources` restriction."""
    kind = KINDS[kind_name]
    if kind.sources and source and not re.search(kind.sources, source, re.IGNORECASE):
        return []
    out, seen = [], set()
    for m in _find(kind).finditer(text):
        span = m.span(1)
        if kind.accept is not None and not kind.accept(text, *span):
            continue
        if span not in seen:
            seen.add(span)
            out.append((span[0], span[1], m.group(1)))
    return out


_KEY_ANY = re.compile(r"""(["'])([^"'\n]{1,60})\1\s*:\s*""")


def _generalise(s: str) -> str:
    """A literal context made robust to changing digits and whitespace."""
    out = []
    for tok in re.findall(r"\d+|\s+|[^\d\s]+", s):
        out.append(r"\d+" if tok.isdigit() else r"\s*" if tok.isspace() else re.escape(tok))
    return "".join(out)


def reference_regex(text: str, start: int, end: int, pattern: str) -> str | None:
    """A regex whose first group reads exactly text[start:end] from `text`, anchored on the nearest JSON-like key
    to its left (else on the literal context), tolerant of changing digits; None when none can be built.

    The k-th occurrence of an anchor is reached with a `(?:...){k}` prefix.
    """
    left = text[max(0, start - 120):start]
    keys = list(_KEY_ANY.finditer(left))
    if keys:
        last = keys[-1]
        tail = left[last.end():]
        if "\n" in tail or len(tail) > 40:
            keys = []
    if keys:
        anchor = re.escape(last.group(1) + last.group(2) + last.group(1)) + r"\s*:\s*" + _generalise(tail)
    else:
        line = left.rsplit("\n", 1)[-1][-16:]
        anchor = _generalise(line) if line.strip() else r"(?:^|\n)\s*"
    body = f"{anchor}({pattern})"
    try:
        occurrences = [m.span(1) for m in re.finditer(body, text, re.DOTALL)]
    except re.error:
        return None
    if (start, end) not in occurrences:
        return None
    k = occurrences.index((start, end))
    regex = body if k == 0 else f"(?:{anchor}(?:{pattern}).*?){{{k}}}{body}"
    m = re.search(regex, text, re.DOTALL)
    if m is None or m.span(1) != (start, end) or "}}" in regex:
        return None
    return regex


def pick_references(kind_name: str, text: str, source: str = "", limit: int = 6) -> list[tuple[str, str]]:
    """Up to `limit` (value, regex) pairs for values of a kind in an output, each regex re-reading its value."""
    kind = KINDS[kind_name]
    out: list[tuple[str, str]] = []
    for s, e, v in find_values(kind_name, text, source):
        rx = reference_regex(text, s, e, kind.pattern)
        if rx is not None and all(v != x for x, _ in out):
            out.append((v, rx))
        if len(out) >= limit:
            break
    return out


def field_label(text: str, regex: str) -> str:
    """The name of the field a reference reads, as words ('rowCount' -> 'row count'); '' when it has none."""
    try:
        m = regex_search(regex, text)
    except re.error:
        return ""
    if m is None or not m.re.groups:
        return ""
    key = _KEY_LEFT.search(text[max(0, m.start(1) - 80):m.start(1)])
    if not key:
        return ""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", key.group(2))
    return " ".join(re.sub(r"[^A-Za-z0-9]+", " ", words).split()).lower()


def field_noun(field: str) -> str:
    """How a request calls the values listed under FIELD: its words ('breed_name' -> 'breed name'), an id by the thing
    it names ('aircraft_id', 'visitId' -> 'aircraft', 'visit')."""
    words = re.sub(r"([a-z])([A-Z])", r"\1 \2", field).replace("_", " ").replace("-", " ").lower().split()
    if len(words) > 1 and words[-1] in ("id", "ids"):
        words = words[:-1]
    return " ".join(words) or field


def listed_kind(field: str, server: str) -> str:
    """The kind of the names SERVER's listings give under FIELD (`"name": "Harbour Loop"`), registered on first use
    with a composer into `search`: a search of that server that takes the names a listing gives (listers.py) is fed
    one from any of its outputs that names items so — a walk from a listing (or a category's listing) to the
    search, not only a search for a name given literally. Its outputs only (`sources`), never another server's."""
    name = f"listed {field} of {server}"
    if name not in KINDS:
        register_kind(Kind(name, r'[^"\\\n]{1,80}', find=rf'"{re.escape(field)}"\s*:\s*"([^"\\\n]{{1,80}})"',
                           sources=rf"^{re.escape(server)}/", noun=field_noun(field),
                           accept=lambda text, start, end: text[start:end] in _listed_names(text, field)))
        register_composer(Composer("search", name, ("{}",), ("{ref}",)))
    return name


def listed_param_kind(name: str, field: str, server: str, tool: str) -> str:
    """Register the run-local kind NAME (`visit_id@kennel`, whose literal pool a listing gave: listers.py) as found in
    the output of the listing TOOL of SERVER, under FIELD (`"id": "vis_3"` of each listed visit), so the listing feeds
    the parameter in walks (list, then read one), not only as a literal. Only the values of the listed items count,
    never a field of that name nested inside one; another listing's names are not these (a price list's names are no
    breeds)."""
    if name not in KINDS:
        register_kind(Kind(name, r'[^"\\\n]{1,80}', find=rf'"{re.escape(field)}"\s*:\s*"?([^"\\\n,]{{1,80}})',
                           sources=rf"^{re.escape(server)}/{re.escape(tool)}$", noun=field_noun(field),
                           accept=lambda text, start, end: text[start:end] in _listed_names(text, field)))
    return name


@functools.lru_cache(maxsize=64)
def _listed_names(text: str, field: str) -> frozenset[str]:
    """The names the items of the list an output holds go by (listers.named_items): never a field of the same name
    nested inside an item (a recipe's ingredients are named too)."""
    from task_synth.listers import named_items

    return frozenset(v for v, _ in named_items(text, field))


def composers_into(kind_name: str) -> list[Composer]:
    return [c for c in COMPOSERS if c.into == kind_name]


def schema_examples(schema: dict[str, Any]) -> list[str]:
    """Example values quoted in a parameter's description ('e.g. America/New_York'), plus default/examples."""
    found: list[Any] = []
    if "default" in schema and schema["default"] is not None:
        found.append(schema["default"])
    found += list(schema.get("examples") or [])
    found += re.findall(r"'([^'\s]{2,60})'", str(schema.get("description", "")))
    return found


from task_synth import addresses as _addresses  # noqa: E402,F401  (registers the address kinds)

__all__ = [
    "COMPOSERS",
    "IANA",
    "KINDS",
    "NUMBER",
    "Composer",
    "Kind",
    "composers_into",
    "find_values",
    "listed_param_kind",
    "param_kind",
    "pick_references",
    "reference_regex",
    "register_composer",
    "register_kind",
    "schema_examples",
]
