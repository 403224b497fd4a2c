"""Words for read-only walks, built from tool descriptions, output fields and the world (no per-tool tables).

A walk is a chain of reads; a person asking for its result wants one value for a reason. This module turns a tool's
description into an English action with correct grammar ("Returns the current branch" -> "get the current branch",
"Tangent function" -> "work out the tangent function of …"), output field names into words ("currentBranch" ->
"current branch"), literal arithmetic into words ("2 ** 10" -> "2 to the power of 10"), and the arithmetic
compositions of the graph (kinds.py composers) into purposes ("{} / 4" -> split across our four offices). It also
decides when a walk has no purpose a person would have (the same operation twice, arithmetic fed to a tool that does
not calculate), so the writer shortens or drops it instead of writing word salad.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from task_synth.grammar import article, head_noun, how_many, is_plural, one_figure, spoken, what_the

# ---------------------------------------------------------------------------------------------------------------
# names and expressions as words


def humanize(name: str) -> str:
    """An identifier as words: 'currentBranch' -> 'current branch', 'row_count' -> 'row count', 'HTTPStatus' ->
    'http status'."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    return " ".join(re.sub(r"[^A-Za-z0-9%]+", " ", s).split()).lower()


_OPS = ((r"\*\*", " to the power of "), (r"\*", " times "), (r"/", " divided by "), (r"\+", " plus "),
        (r"(?<=[\w)\s])-(?=\s*[\w(])", " minus "))


def expression_words(expr: str) -> str:
    """A plain arithmetic expression read out ('(45 + 15) / 4' -> '45 plus 15, divided by 4'); anything that is not
    plain arithmetic is returned unchanged."""
    e = expr.strip()
    if not re.fullmatch(r"[\d.\s()+\-*/]+", e) or not re.search(r"\d", e):
        return e
    m = re.fullmatch(r"\((.+)\)\s*([*/+\-]{1,2})\s*(.+)", e)
    if m and "(" not in m.group(1) and "(" not in m.group(3):
        return f"{expression_words(m.group(1))}, {_op_words(m.group(2)).strip()} {expression_words(m.group(3))}"
    out = e.replace("(", "").replace(")", "")
    for pat, words in _OPS:
        out = re.sub(rf"\s*{pat}\s*", words, out)
    return " ".join(out.split())


def _op_words(op: str) -> str:
    return next((w for pat, w in _OPS if re.fullmatch(pat, op)), op)


_COUNT_SQL = re.compile(r"\s*SELECT\s+COUNT\(\*\)\s+FROM\s+[\"'`\[]?([A-Za-z_]\w*)[\"'`\]]?\s*;?\s*", re.IGNORECASE)


def sql_purpose(sql: str) -> str | None:
    """What a simple counting query asks, in words ('SELECT COUNT(*) FROM order_items' -> 'how many order items
    there are'); None for any other query (a task about a query may show it)."""
    m = _COUNT_SQL.fullmatch(sql)
    return f"how many {humanize(m.group(1))} there are" if m else None


# ---------------------------------------------------------------------------------------------------------------
# actions from descriptions

_PREFIXES = re.compile(
    r"^(?:(?:this|the) (?:tool|function|endpoint|method|command)\s+(?:will\s+|can\s+|is used to\s+|lets you\s+|"
    r"allows you to\s+|helps you\s+|is for\s+)?|(?:use|call|invoke) (?:this|it)(?: tool| function)?(?: to| when you "
    r"(?:want|need) to| for)\s+|(?:a |an )?(?:tool|function|utility|helper) (?:to|that|which|for)\s+|(?:it )?"
    r"(?:allows?|lets?|helps?|enables?)(?: you| the user| users| an? agent| agents| the agent)? to\s+|(?:used|designed"
    r"|intended|meant) to\s+|you can\s+|can be used to\s+|given (?:a|an|the|one|some) [^,.]{1,40},\s+)",
    re.IGNORECASE)
_CUT = re.compile(r"\s*(?:[:;(\[{—–]|->|=>| - |, | so that | so | including | in order to | for use | which "
                  r"| that can | when | if | e\.g\.| such as | via | using | with optional )")
_GETTERS = {"return", "returns", "retrieve", "retrieves", "fetch", "fetches", "get", "gets", "provide", "provides",
            "give", "gives", "output", "outputs", "yield", "yields", "obtain", "obtains", "read", "reads", "report",
            "reports"}
VERBS = frozenset((
    "access", "add", "aggregate", "analyse", "analyze", "apply", "ask", "build", "calculate", "check", "clean",
    "compare", "compile", "compute", "convert", "count", "create", "decode", "delete", "describe", "detect",
    "determine", "diff", "differentiate", "display", "download", "edit", "encode", "estimate", "evaluate",
    "execute", "expand", "explain", "export", "extract", "factor", "filter", "find", "format", "generate",
    "group", "identify", "import", "inspect", "integrate", "list", "load", "locate", "look", "lookup", "map",
    "match", "measure", "merge", "open", "parse", "perform", "plot", "predict", "preview", "print", "process",
    "query", "rank", "read", "recommend", "refresh", "remove", "render", "replace", "resolve", "retrieve",
    "return", "run", "sample", "scan", "score", "search", "send", "set", "show", "simplify", "solve", "sort",
    "split", "summarise", "summarize", "test", "trace", "transform", "translate", "update", "validate",
    "verify", "view", "visualize", "write",
    "annotate", "append", "choose", "classify", "concatenate", "copy", "draw", "highlight", "insert", "make", "move",
    "normalise", "normalize", "pick", "rename", "reverse", "save", "shuffle", "sketch", "store", "suggest",
    "tokenise", "tokenize", "transcribe", "truncate", "visualise",
    # verbs of writes: a request asks for the change ("register an owner", "capture the charge")
    "accept", "approve", "archive", "assign", "attach", "book", "cancel", "capture", "charge", "close", "complete",
    "confirm", "decline", "deposit", "disable", "dispute", "enable", "enroll", "forward", "invite", "mark", "pause",
    "pay", "pin", "publish", "redeem", "refund", "register", "reject", "reply", "reserve", "restore", "resume",
    "schedule", "settle", "share", "start", "stop", "submit", "subscribe", "transfer", "unpin", "unsubscribe",
    "upload", "void", "withdraw",
))
_DETERMINERS = {"a", "an", "the", "all", "each", "every", "one", "any", "some", "your", "its", "their", "our", "this",
                "that", "these", "those", "information", "details", "data", "current", "available", "basic"}


_QUANTIFIERS = frozenset({"one", "two", "three", "several", "multiple", "many", "both", "all", "each", "every"})
"""Words that open a noun phrase of things counted: after them the first word was a verb ('Draw several …')."""


def _base_form(word: str) -> str | None:
    """The base form of a third-person verb ('lists' -> 'list', 'applies' -> 'apply'); None when `word` is not one."""
    w = word.lower()
    cands = []
    if w.endswith("ies") and len(w) > 4:
        cands.append(w[:-3] + "y")
    if re.search(r"(s|x|z|ch|sh|o)es$", w):
        cands.append(w[:-2])
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        cands.append(w[:-1])
    return next((c for c in cands if c in VERBS or c in _GETTERS), None)


def third_person_base(word: str) -> str | None:
    """The base form when `word` is a third-person form of a common verb ('returns' -> 'return'), else None."""
    return _base_form(word)


def first_clause(description: str) -> str:
    """The description's first sentence with the framing ("This tool…", "Use this to…"), tails (", including…",
    ": …", "(…)", "-> …") and type talk ("as dict", "as a list") cut, as written (case kept)."""
    text = " ".join(description.strip().split())
    s = re.split(r"(?<=[.!?])\s|(?<=[。！？])", text, maxsplit=1)[0].rstrip(".!? ")
    for _ in range(2):
        s = _PREFIXES.sub("", s).strip()
    aside = _ASIDE.sub("", s)
    if not re.search(r"\b[a-z]+(?:_[a-z0-9]+)+\b|\b[a-z]+[A-Z]\w*", aside):
        s = aside  # never when the sentence goes on to name parameters ('from start_date (included) to end_date')
    cut = _CUT.search(s)
    while cut is not None and cut.group().strip() == "," and len(s[:cut.start()].split()) == 1 and \
            _verb(s[:cut.start()].strip().lower()) is None:
        cut = _CUT.search(s, cut.end())  # 'Real, ranked next steps for …': a first adjective, not a clause
    if cut is not None:
        head = s[:cut.start()]
        after = re.split(r"[,.;:()]", s[cut.end():], maxsplit=1)[0].split()
        if cut.group().strip() == "," and 1 <= len(after) <= 3 and after[0][:1].islower() and \
                after[0].lower() not in _DANGLING | _CONNECTORS and _ADJECTIVE_END.search(head):
            # a comma between the adjectives of a noun phrase ('with a careful, step-by-step read'): the cut would
            # leave 'with a careful', so the unfinished phrase goes too ('…, including hidden ones' is a new phrase)
            head = _UNFINISHED.sub("", head)
        s = head
    s = s.strip(" ,.")
    s = _BY_PARAMETER.sub("", s)
    return TYPE_TALK.sub("", s).strip(" ,.")


_UNFINISHED = re.compile(r"\s+(?:with|of|for|from|to|in|on|by|at|into|as)\s+(?:an?|the|some|one)\s+[\w-]+$",
                         re.IGNORECASE)
"""A phrase cut off at a comma between its adjectives ('… with a careful' of '… with a careful, step-by-step read')."""

_ADJECTIVE_END = re.compile(r"\s(?:an?|the|some|one)\s+[a-z-]*"
                            r"(?:est|ful|ous|ive|al|ic|able|ible|less|ish|ary|ent|ant)$")
"""A noun phrase that stops at a word shaped like an adjective ('a careful'): the comma after it lists another."""

_CONNECTORS = frozenset(("including", "given", "which", "that", "so", "then", "but", "plus", "if", "when", "where",
                         "while", "using", "via", "returning", "optionally", "e.g", "i.e", "as", "not", "only", "also",
                         "both", "either", "each", "all", "any", "no", "one"))
"""Words that open a new phrase after a comma, rather than continue a noun phrase's adjectives."""

_ASIDE = re.compile(r"\s*\([^()]{1,40}\)(?=\s+(?:is|are|was|were|has|have|falls?|belongs?)\b)")
"""A short aside between a subject and its verb ("Check whether a date (YYYY-MM-DD) is a holiday"): dropped, so the
sentence keeps its verb; any other is cut with what follows (_CUT)."""


_BY_PARAMETER = re.compile(r"(?:\s+(?:created|made|returned|produced|generated|opened|started|listed))?"
                           r"\s+(?:by|with|from|using|given)\s+(?:its\s+|the\s+|an?\s+)?(?:['\"`]\w+['\"`]|"
                           r"[a-z]+(?:_[a-z0-9]+)+|[a-z]+[A-Z]\w*)(?:\s+(?:parameter|argument|field))?$")
"""A tail naming the parameter the tool takes ("Get details of a specific task by 'taskId'"), or the tool that
makes what it takes, with its participle ("Check out a cart created by add_to_cart" -> "Check out a cart"): how it
is called, never what a person asks for; an identifier in a request would also leak the schema."""


TYPE_TALK = re.compile(r"\s+as (?:an? |the )?(?:python |json |plain )?(?:dict|dictionary|list|array|tuple|str|"
                       r"string|int|integer|float|bool|boolean|object)\b", re.IGNORECASE)
"""Type talk of a signature ("current moment as dict"): how a value is returned, never what a person asks for."""

_ENGLISH = frozenset((
    "a", "an", "the", "of", "to", "in", "for", "on", "at", "by", "with", "from", "and", "or", "is", "are", "as",
    "this", "that", "each", "all", "any", "its", "your", "their", "it", "be", "given", "into", "over", "per",
    "new",
))
_FOREIGN = frozenset((
    "der", "die", "das", "und", "ein", "eine", "einen", "einem", "einer", "den", "dem", "des", "von", "nach",
    "mit", "für", "fuer", "ist", "sind", "zu", "zum", "zur", "auf", "aus", "bei", "oder", "nicht", "alle", "le",
    "la", "les", "un", "une", "du", "et", "pour", "avec", "sur", "dans", "est", "el", "los", "las", "y", "por",
    "para", "con", "del", "una", "uno", "em", "um", "uma", "os", "dos", "das", "ao", "não", "il", "lo", "gli",
    "di", "che", "per",
))
_ABBREVIATED = {"eval": "evaluate", "calc": "calculate", "gen": "generate", "conv": "convert", "init": "initialise"}
"""Verbs tool descriptions shorten ('Eval Python expressions'): said in full."""


def reads_as_english(clause: str) -> bool:
    """The clause can be said in an English request: mostly Latin-script letters, no more function words of other
    languages (der, une, para, …) than of English, and no word in another script; a type signature is not English."""
    letters = [c for c in clause if c.isalpha()]
    if not letters or re.search(r"->|=>|[\[\]{}]|\w\(", clause):
        return False
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" or "\u1e00" <= c <= "\u1eff" for c in letters)
    if latin < len(letters):
        return False
    words = [w.lower() for w in re.findall(r"[^\W\d_]+", clause)]
    foreign = sum(w in _FOREIGN and w not in _ENGLISH for w in words)
    english = sum(w in _ENGLISH for w in words)
    if foreign and foreign >= english:
        return False
    # a verb-less phrase with accented words and no English function word ('Farbkontrast prüfen')
    return not (english == 0 and any(not w.isascii() for w in words) and _verb(words[0]) is None)


def _verb(word: str) -> str | None:
    w = _ABBREVIATED.get(word.lower(), word.lower())
    if w in VERBS or w in _GETTERS:
        return w
    return _base_form(w)


class Unwordable(ValueError):
    """A tool's description is not English and its name gives no action: nothing sensible can be said of it."""


@dataclass(frozen=True)
class Action:
    """What a tool does, as words: `verb` + `obj` ('list', 'all loaded presentations'), or a nominal `obj` alone
    ('tangent function') when the description names a thing instead of a deed."""

    verb: str | None
    obj: str

    def imperative(self) -> str:
        """'list all loaded presentations', 'get the current branch', 'work out the tangent function'."""
        if self.verb is None:
            return f"work out the {_unarticled(self.obj)}" if self.obj else "look it up"
        return f"{self.verb} {self.obj}".strip()

    def applied(self, what: str) -> str:
        """The action on a value ('work out the tangent function of 84', 'show details of a git object for v2')."""
        if self.verb is None:
            return f"work out the {_unarticled(self.obj)} of {what}" if self.obj else f"look up {what}"
        return f"{self.imperative()} for {what}"


def _unarticled(obj: str) -> str:
    """A nominal action without its own article ('The first working day after a date'), so 'the' is said once."""
    return re.sub(r"^(?:the|a|an)\s+", "", obj, flags=re.IGNORECASE)


_DANGLING = frozenset((
    "a", "an", "the", "of", "to", "in", "for", "on", "at", "by", "with", "from", "and", "or", "its", "your",
    "their", "into", "over", "per",
))


def action(description: str, tool: str = "") -> Action:
    """The action a tool's description states, with the verb in the imperative; from the tool's name when the
    description says nothing usable (empty, in another language or script, a type signature). Raises Unwordable
    when neither gives words (a description in another language and a name with no verb)."""
    clause = first_clause(description)
    words = clause.split()
    if words and not reads_as_english(clause):
        words = _name_action(tool, description)
        if not words:
            raise Unwordable(f"description not usable ({tool})")
    if len(words) > 12:
        words = words[:8]
        while len(words) > 2 and words[-1].lower() in _DANGLING:
            words.pop()
    if not words:
        words = humanize(tool).split() or ["details"]
    words = [_ABBREVIATED.get(words[0].lower(), words[0]), *words[1:]]
    head, rest = words[0], _lower_first(" ".join(words[1:]))
    low, base = head.lower(), _base_form(head)
    if low in _GETTERS or base in _GETTERS:
        # what a getter returns is the one thing it gives: "Returns a checklist" -> "get the checklist"
        return Action("show" if low in ("show", "shows") else "get",
                      re.sub(r"^(?:a|an) ", "the ", rest) or "the details")
    if base is not None and (base in VERBS or (len(words) > 1 and words[1].lower() in _DETERMINERS)):
        return Action(base, rest)
    if low in VERBS or re.search(r"(?:ize|ise|ify)$", low):
        return Action(low, rest)
    if low.isalpha() and len(words) > 2 and words[1].lower() in _ARTICLES and low not in _ENGLISH | _DANGLING and \
            low not in _QUESTION_WORDS and not low.endswith(("ing", "ed")):
        # a word of no known verb before an article is an imperative ('Rate a team's match', 'Tally the votes')
        return Action(low, rest)
    if low in _QUESTION_WORDS and len(words) > 2:
        # an indirect question ('How many matches a season takes at a given pace'): what the person works out
        return Action("work out", _lower_first(" ".join(words)))
    if low.isalpha() and len(words) > 2 and words[1].lower() in ("out", "up"):
        return Action(f"{low} {words[1].lower()}", _lower_first(" ".join(words[2:])))  # 'Work out a percentage …'
    if low.isalpha() and len(words) > 2 and words[1].lower() in _QUANTIFIERS:
        return Action(low, rest)  # an imperative before a quantity: "Draw several compounds", "Draw one compound"
    return Action(None, _lower_first(" ".join(words)))


_ARTICLES = frozenset(("a", "an", "the", "your", "its", "their", "our", "these", "those", "each", "every"))

_QUESTION_WORDS = frozenset(("how", "what", "which", "whether", "when", "where", "who", "why"))
"""Words that open a description written as an indirect question rather than as a deed."""

_ALTERNATIVES = re.compile(r"^(?P<pre>(?:\w+ ){0,2}?)(?P<a>[\w-]+) or (?P<b>[\w-]+)\b(?P<post>.*)$")


def chosen(act: Action, values: list[str]) -> Action:
    """The action with an alternative its description offers resolved by the step's own values: 'encode or decode
    strings' given `decode` is 'decode strings', 'compute hash or HMAC' is 'compute hash' when no value names
    either (the description's first); the description is never recited with its choices."""
    said = {str(x).strip().lower() for x in values if isinstance(x, str)}

    def pick(a: str, b: str) -> str:
        return b if b.lower() in said and a.lower() not in said else a

    if act.verb is not None:
        m = re.match(r"^or (\w+)\b\s*(.*)$", act.obj)
        if m and _verb(m.group(1)) is not None:
            return chosen(Action(pick(act.verb, m.group(1).lower()), m.group(2)), values)
    m = _ALTERNATIVES.match(act.obj)
    if m and not re.search(r"\d", m.group("a") + m.group("b")):
        return Action(act.verb, f"{m.group('pre')}{pick(m.group('a'), m.group('b'))}{m.group('post')}")
    return act


def _name_action(tool: str, description: str = "") -> list[str]:
    """Words of a tool's name from its first verb on ('tool_get_color_info' -> get color info; a namespace before the
    verb is dropped); [] when the name has no verb. A word the description writes as an acronym keeps its capitals
    ('calculate_bmi' described '计算BMI值' -> calculate BMI); a name of two verbs offers them as alternatives
    ('encode_decode' -> encode or decode)."""
    words = [w.upper() if len(w) > 1 and _verb(w) is None and re.search(
        rf"(?<![A-Za-z]){re.escape(w.upper())}(?![A-Za-z])", description or "") else w for w in humanize(tool).split()]
    words = next((words[i:] for i, w in enumerate(words) if _verb(w.lower()) is not None), [])
    if len(words) == 2 and _verb(words[1].lower()) is not None:  # 'encode_decode': two alternatives (chosen())
        return [words[0], "or", words[1]]
    if len(words) >= 4 and words[-2].lower() == "by" and words[-1].lower() in _HANDLE_WORDS:
        words = words[:-2]  # 'get recipe by id' given a recipe's name: what it is looked up by is the value's to say
        if len(words) == 2 and not words[1].lower().endswith("s"):
            words = [words[0], "the", words[1]]
    return words


_HANDLE_WORDS = frozenset(("id", "ids", "name", "names", "key", "title", "uuid", "slug", "handle"))


def _lower_first(s: str) -> str:
    """Lower-case the first letter unless the first word is an acronym or a name with inner capitals ('Git')."""
    if not s:
        return s
    first = s.split()[0]
    if (first.isupper() and len(first) > 1) or re.search(r"[a-z][A-Z]", first):
        return s
    return s[:1].lower() + s[1:]


# ---------------------------------------------------------------------------------------------------------------
# purposes

ARITHMETIC_PURPOSES: dict[str, str] = {
    "{} * 2": "what {x} would be if it doubled",
    "{} + 15": "what {x} would be with 15 more",
    "{} / 4": "what {x} comes to split evenly across our four offices",
    "{} * 0.23": "what 23% VAT on {x} would be",
    "{} * 60": "what {x} would come to over 60 months",
}
"""The graph's arithmetic compositions (kinds.py) as what a person would want computed; {x} is the value's name.
A composition missing here has no purpose the writer can state, and a walk through it is shortened or dropped."""

PURPOSE_FITS: dict[str, re.Pattern[str]] = {
    "{} * 0.23": re.compile(r"price|amount|total|cost|revenue|value|budget|balance|eur|usd|sum|fee|salary",
                            re.IGNORECASE),
    "{} * 60": re.compile(r"month|rate|fee|salary|cost|price|amount|revenue|budget", re.IGNORECASE),
}
"""Purposes that fit only some figures (VAT on money, not on a row count): the label of the field the figure was
read from must match; a figure with no such label gets no such purpose."""


def purpose_fits(template: str, label: str) -> bool:
    """The purpose of `template` makes sense for a figure read from a field labelled `label`."""
    fit = PURPOSE_FITS.get(template)
    return fit is None or bool(label and fit.search(label))


# ---------------------------------------------------------------------------------------------------------------
# figures: what a number is, by the words of its label or parameter

FIGURE_CLASSES: dict[str, re.Pattern[str]] = {
    "identifier": re.compile(r"\b(?:id|ids|identifier|uuid|key|sku|code|index|serial|handle)\b"),
    "count": re.compile(r"\b(?:count|counts|rows?|how many|number of|items?|quantity|qty|records?|entries|n)\b"),
    "rate": re.compile(r"\b(?:rate|rates|pct|percent|percentage|apr|yield|return|returns|growth|inflation|"
                       r"discount)\b"),
    "period": re.compile(r"\b(?:years?|months?|days?|weeks?|hours?|minutes?|mins?|seconds?|secs?|ms|milliseconds?|"
                         r"periods?|term|tenure|duration|life|age)\b"),
    "money": re.compile(r"\b(?:price|prices|cost|costs|amount|salary|wage|principal|payment|payments|balance|"
                        r"revenue|fee|fees|budget|income|expense|expenses|assets?|zakat|tax|vat|savings|"
                        r"contribution|investment|loan|debt|eur|usd|gbp|dollars?|euros?|cents|profit|gratuity|interest|invested|"
                        r"corpus|target|capital|worth|spend|spent|sales|due|owed|(?:future|present|market|book|net|face|"
                        r"resale|salvage|total) value)\b"),
    "measure": re.compile(r"\b(?:mm|cm|km|(?:kilo|centi|milli)?metres?|(?:kilo|centi|milli)?meters?|miles?|yards?|"
                          r"inch|inches|ft|feet|width|height|depth|thickness|"
                          r"diameter|radius|distance|weight|mass|kg|kgs|grams?|lbs?|gsm|temperature|celsius|"
                          r"fahrenheit|kelvin|litres?|liters?|ml|dpi|px|pixels?)\b"),
}
"""General word classes of figures, tried in order (an 'interest rate' is a rate, a 'row count' a count, a 'years
of service' a period): what a label or a parameter's name and description say a number is."""

MISFITS: dict[str, frozenset[str]] = {
    "count": frozenset({"money", "rate", "identifier", "measure"}),
    "money": frozenset({"count", "period", "rate", "identifier", "measure"}),
    "rate": frozenset({"money", "count", "period", "identifier", "measure"}),
    "period": frozenset({"money", "rate", "identifier", "measure"}),
    "measure": frozenset({"money", "count", "rate", "period", "identifier"}),
}
"""Source class -> the parameter classes it makes no sense to feed (a row count as a price, money as a number of
years, a number of sheets as a width in millimetres, a weight as a count, anything as an identifier)."""


def figure_class(words: str) -> str | None:
    """The class of figure `words` (a label, a parameter's name and description) speak of; None when unknown."""
    w = humanize(words) if re.search(r"[_A-Z]", words) else " ".join(re.sub(r"[^A-Za-z0-9%]+", " ", words).split())
    w = w.lower()
    if not w:
        return None
    if "%" in words:
        return "rate"
    for name, rx in FIGURE_CLASSES.items():
        if rx.search(w):
            return name
    return None


def figure_question(words: str) -> str:
    """The question for a figure read under `words`: a plural noun that is not money or a rate counts things ('how
    many filtered rows there are', never 'what the filtered rows is'); otherwise 'what the total is', in agreement."""
    if is_plural(words) and figure_class(words) not in ("money", "rate") and not one_figure(words):
        return how_many(words)
    return what_the(words)


def figure_misfit(source_words: str, param_words: str) -> str | None:
    """Why a figure described by `source_words` makes no sense as a parameter described by `param_words` ('a count
    fed as money'); None when it fits or either is unknown. The parameter's own name decides before its
    description."""
    src = figure_class(source_words)
    if src is None and is_plural(source_words) and not one_figure(source_words) and \
            head_noun(source_words.lower()) not in _SAYS_NOTHING:
        src = "count"  # a figure read under a plural noun counts those things ('total sheets', 'pages')
    name, _, desc = param_words.partition("\n")
    if src is None:
        # a figure of no known class, named by two words or more, into a parameter that names some other thing and
        # shares no word with it (an expected payoff fed as a deposit): one tool's result of one
        # thing taken for another's input of another
        got, wanted = _content_words(source_words), _content_words(name)
        if len(got) >= 2 and wanted and not got & wanted and figure_class(name) is None \
                and figure_class(desc) is None:
            return f"a figure fed as something else ({source_words} into {humanize(name)})"
        return None
    dst = figure_class(name) or figure_class(desc)
    if dst is None:
        # a time span, a rate or a count into a parameter that names some other thing, sharing no word with it (a
        # number of days fed as goals, a travel time in minutes as shots, league points as wins); a parameter that
        # says nothing of what it takes ('x', 'value', 'old value') takes anything. Money goes by too many names
        # (a future value is a fine levy base) and a measure is any length, so neither is judged this way.
        wanted, got = _content_words(name), _content_words(source_words)
        # money named by three words or more is one specific figure (an inferred opponent price weight), not money
        # at large: it goes the same way
        if (src in ("period", "rate", "count") or (src == "money" and len(got) >= 3)) and wanted \
                and not wanted & got:
            return f"{_AS_NOUN[src]} fed as something else ({source_words} into {humanize(name)})"
        return None
    if dst not in MISFITS.get(src, frozenset()):
        return None
    return f"{_AS_NOUN[src]} fed as {_AS_NOUN[dst]} ({source_words} into {humanize(name)})"


_ANY_FIGURE = frozenset((
    "x", "y", "z", "a", "b", "c", "n", "k", "m", "p", "q", "num", "number", "value", "val", "amount", "input",
    "operand", "arg", "argument", "first", "second", "third", "left", "right", "base", "exponent", "power", "dividend",
    "divisor", "numerator", "denominator", "factor", "multiplier", "expression", "data", "quantity", "total", "sum",
    "result", "figure", "old", "new", "current", "initial", "final", "start", "end", "from", "to", "of", "per", "in",
    "the", "min", "max", "minimum", "maximum", "target", "other", "given", "raw", "output", "i", "j", "count",
    "size", "limit", "times", "repeat", "repeats", "steps", "length",
))
"""Words that say nothing of what figure a parameter takes (x, value, the first operand, an old value)."""


def _content_words(words: str) -> set[str]:
    """The words of a name or label that say what it is, singular ('estimated days' -> {'estimated', 'day'})."""
    w = humanize(words) if re.search(r"[_A-Z]", words) else words
    out = set()
    for t in re.findall(r"[a-z]+", w.lower()):
        if t in _ANY_FIGURE or (len(t) > 1 and t[:-1] in _ANY_FIGURE and t.endswith("s")):
            continue
        out.add(t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t)
    return out


_SAYS_NOTHING = frozenset({"values", "results", "numbers", "figures", "outputs", "totals", "sums", "scores"})
"""Plural nouns that say nothing of what a figure is: no class is guessed from them."""

_AS_NOUN = {"count": "a count", "money": "money", "rate": "a rate", "period": "a period",
            "identifier": "an identifier", "measure": "a measure"}


def same_number(a: object, b: object) -> bool:
    """The two values are the same figure once written as numbers (128 == 128.0 == '128'); text compares as is."""
    try:
        return float(str(a).replace(",", "")) == float(str(b).replace(",", ""))
    except ValueError:
        return str(a).strip() == str(b).strip()


def asks_back(label: str, value: object, params: dict[str, object]) -> bool:
    """Asking for the field `label` (holding `value`) would ask back an input of the step: the label names one of
    its parameters (its words are all among a parameter's), or the value is one of its arguments."""
    words = set(humanize(label).split()) if label else set()
    for p, given in params.items():
        if words and words <= set(humanize(p).split()):
            return True
        if value is not None and not isinstance(given, bool) and isinstance(given, int | float | str) and \
                str(given).strip() and same_number(value, given):
            return True
    return False


_BARE = re.compile(r"(?:[a-df-z]ed|able|ible)$")
_NOUNS = frozenset({"table", "variable", "cable", "hundred", "bed", "red", "shed", "bred"})


def askable_label(label: str) -> bool:
    """A label a question can be built on: not one bare adjective or participle ('accepted', 'enabled'), which
    would make 'what the accepted is', nor a scrap of one or two letters."""
    words = humanize(label).split()
    return bool(words) and not (len(words) == 1 and ((_BARE.search(words[0]) and words[0] not in _NOUNS)
                                                     or len(words[0]) < 3))


_PLURAL_ALREADY = frozenset({"people", "staff", "children", "men", "women", "personnel", "data"})
_UNITS = frozenset({"years", "months", "days", "weeks", "hours", "minutes", "seconds", "periods"})
_CRYPTIC = frozenset({"value", "input", "arg", "param", "data", "val", "num", "x", "y", "z", "n", "a", "b", "c"})
MEASURE_UNITS = frozenset({"mm", "cm", "km", "m", "kg", "g", "mg", "ms", "s", "min", "h", "eur", "usd", "gbp", "kb",
                           "mb", "gb", "kwh", "kw", "mph", "kmh", "gsm", "px", "pt", "dpi", "ppi", "mm2", "cm2", "m2",
                           "ml", "l", "hz", "khz", "lb", "lbs", "oz", "ft"})
"""Unit abbreviations a parameter's name may end in ('width_mm', 'price_usd'): said after the value."""
_TRAILING = frozenset({"to", "of", "for", "the", "a", "an", "and", "or", "in", "with", "from", "by", "on", "at",
                       "into", "per", "that", "which", "is", "be"})
TRAILING = _TRAILING
"""Words a name may not end in ('the colour code for'): a label ending in one is no field's name."""


def _article(phrase: str) -> str:
    return article(phrase)


def _plural(word: str) -> bool:
    return is_plural(word)


def _description_noun(description: str) -> str:
    """A short noun for a parameter from its description ('Number of rows to sample' -> 'number of rows', 'The
    first number' -> 'first number'); '' when the description gives none."""
    clause = first_clause(description)
    clause = re.sub(r"^(?:the|a|an)\s+", "", clause, flags=re.IGNORECASE)
    words = clause.split()[:4]
    while words and words[-1].lower() in _TRAILING:
        words.pop()
    short = " ".join(words).lower()
    if not spoken(short):  # a description that only repeats the code name ('n', 'Df')
        return ""
    return short if short and len(short) <= 40 and reads_as_english(short) else ""


def param_noun(name: str, description: str = "") -> str:
    """What a parameter is, as words: its humanized name, or a short noun from its description when the name is
    cryptic ('a' described 'First number' -> 'first number'). Code words of the name ('n', 'df', 'fmt') are never
    said: with no description, what is left of the name is ('n_rows' -> 'rows'), possibly ''."""
    words = humanize(name)
    said = spoken(words)
    cut = said.lower() != words
    cryptic = cut or words in _CRYPTIC or (" " not in words and len(words) <= 4)
    if cryptic and description and (short := _description_noun(description)):
        return short
    if cut and not is_plural(said):
        return ""  # 'top_k' -> 'top' is a fragment, not what the value is
    return said


def named_value(name: str, value: str, description: str = "") -> str:
    """A value said with what it is: 'an old value of 7.5', '12 years', 'a term of 128 years', 'an annual rate of
    3%', '40 years of service', '5 rows' (a parameter 'n' described 'Number of rows'); the value alone when the
    parameter's name is code and nothing describes it ('n' -> '5', never 'a n of 5')."""
    words = humanize(name).split()
    if len(words) > 1 and words[-1] in MEASURE_UNITS and not re.search(r"[A-Za-z%]", value):
        rest = " ".join(words[:-1])  # 'width_mm' 7.5 -> 'a width of 7.5 mm'
        said = spoken(rest)
        return f"{article(said)} {said} of {value} {words[-1]}" if said else f"{value} {words[-1]}"
    noun = param_noun(name, description)
    if not noun:
        return value
    if noun == "year" and re.fullmatch(r"(?:1[89]|2\d)\d\d", value):
        return value  # a year on the calendar is said as itself: 'the holidays of 2026', never 'a year of 2026'
    measured = _measured(name, value, description, noun)
    if measured:
        return measured
    if noun != spoken(humanize(name)):
        counted = re.match(r"(?:the )?(?:number of|how many) (\w+(?: \w+)?)$", noun)
        if counted and is_plural(counted.group(1)):
            return f"{value} {counted.group(1)}"
        return f"{value} as the {noun}"
    noun = re.sub(r"^(?:num|no|number of) (?=\w+s\b)", "", noun)
    ws = noun.split()
    if not ws:
        return value
    if len(ws) >= 2 and ws[0] in ("max", "maximum", "limit", "top") and is_plural(ws[-1]):
        return f"at most {value} {' '.join(ws[1:])}"  # 'max_results' 5 -> 'at most 5 results'
    if ws[-1] == "count" and len(ws) == 2 and not ws[0].endswith("s"):
        thing = ws[0] if ws[0] in _PLURAL_ALREADY else ws[0] + "s"
        return f"{value} {thing}"  # a people count of 3 -> 3 people, a guest count of 4 -> 4 guests
    if ws[-1] in ("pct", "percent", "percentage") and len(ws) > 1:
        rest = " ".join(ws[:-1])
        return f"{_article(rest)} {rest} of {value}%"
    if _plural(ws[0]) and (len(ws) == 1 or ws[1] in ("of", "to", "in", "per", "until", "since", "for")):
        return f"{value} {noun}"
    if ws[-1] in _UNITS and len(ws) > 1:
        rest = " ".join(ws[:-1])
        return f"{_article(rest)} {rest} of {value} {ws[-1]}"
    if _plural(ws[-1]) and len(ws) == 1:
        return f"{value} {noun}"
    return f"{_article(noun)} {noun} of {value}"


def _measured(name: str, value: str, description: str, noun: str) -> str:
    """A number of a measure whose unit the parameter names, with its unit ('a height of 1.62 m', 'a temperature
    of 70.7°F'); '' for anything else (measures.py)."""
    from task_synth.measures import unit_said

    if not re.fullmatch(r"-?\d+(?:\.\d+)?", value):
        return ""
    unit = unit_said(name, {"description": description})
    if not unit:
        return ""
    noun = re.sub(r"\s+(?:in|as)\s+\S.*$", "", noun)  # 'temperature in fahrenheit': the unit is said after
    return f"{_article(noun)} {noun} of {value}{'' if unit.startswith('°') else ' '}{unit}"


def listing(parts: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


_DOUBLED = re.compile(r"^(?:[^aeiou]*[aeiou][bdgmnprt])$")


def gerund(clause: str) -> str:
    """An imperative clause as a gerund ('calculate the tax' -> 'calculating the tax', 'get the log' -> 'getting
    the log', 'work out 2 plus 2' -> 'working out 2 plus 2')."""
    head, _, rest = clause.partition(" ")
    w = head.lower()
    if w.endswith("ie"):
        g = w[:-2] + "ying"
    elif w.endswith("e") and not w.endswith(("ee", "ye", "oe")) and len(w) > 2:
        g = w[:-1] + "ing"
    elif _DOUBLED.fullmatch(w) and len(w) <= 4:
        g = w + w[-1] + "ing"
    else:
        g = w + "ing"
    return f"{g} {rest}".strip()


def sql_count_noun(sql: str) -> str | None:
    """The figure a counting query yields, as a noun ('SELECT COUNT(*) FROM order_items' -> 'the number of order
    items'); None for any other query."""
    m = _COUNT_SQL.fullmatch(sql)
    return f"the number of {humanize(m.group(1))}" if m else None


LEADS: tuple[str, ...] = (
    "For the weekly status report,",
    "Before I reply to the customer,",
    "I'm updating my notes from the ops review:",
    "Quick check for the board pack:",
    "For the handover to the Lisbon team,",
    "While I'm reviewing things this afternoon,",
)
"""General reasons a person asks (seeded per task); they never depend on a tool or a server."""

OPENERS: tuple[str, ...] = ("could you", "can you", "would you", "please")


def lead_in(lead: str, opener: str) -> str:
    """'For the weekly status report, could you' / 'Quick check for the board pack: Could you'."""
    return f"{lead} {opener[:1].upper() + opener[1:] if lead.endswith(':') else opener}"


_EVALUATES = re.compile(r"evaluat|\beval\b|calculat|\bcalc\b|comput|arithmetic|simplif", re.IGNORECASE)


def evaluates(description: str, tool: str) -> bool:
    """The tool works an expression out (so feeding it arithmetic is a calculation a person would ask for), as
    its name or description says (evaluate, calculate, compute, simplify); formatting or analysing an expression
    (LaTeX, counting operations, expanding) is not working it out."""
    return bool(_EVALUATES.search(f"{tool} {first_clause(description)}"))


__all__ = [
    "ARITHMETIC_PURPOSES",
    "FIGURE_CLASSES",
    "LEADS",
    "MISFITS",
    "OPENERS",
    "PURPOSE_FITS",
    "TRAILING",
    "TYPE_TALK",
    "VERBS",
    "Action",
    "Unwordable",
    "action",
    "askable_label",
    "asks_back",
    "chosen",
    "evaluates",
    "expression_words",
    "figure_class",
    "figure_misfit",
    "figure_question",
    "first_clause",
    "gerund",
    "humanize",
    "lead_in",
    "listing",
    "named_value",
    "param_noun",
    "purpose_fits",
    "reads_as_english",
    "same_number",
    "sql_count_noun",
    "sql_purpose",
    "third_person_base",
]
