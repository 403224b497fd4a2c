"""English grammar for synthesized requests, decided from the words alone (never from a tool or a server).

Articles ('a', 'an'), number agreement ('what the filtered rows are', 'what the status is'), count questions for
plural figures ('how many filtered rows there are'), and which parameter names are code, not words ('n', 'df',
'fmt': never said as nouns). Every function here is pure and deterministic.
"""

from __future__ import annotations

import re

_NOT_PLURAL_ENDINGS = ("ss", "us", "is", "ous", "ics", "ies's")
_SINGULAR_S = frozenset({
    "status", "analysis", "basis", "series", "species", "news", "bus", "gas", "alias", "canvas", "atlas", "bias",
    "axis", "thesis", "synopsis", "diagnosis", "process", "address", "class", "access", "success", "progress",
    "this", "its", "has", "was", "is", "yes", "plus", "minus", "bonus", "census", "campus", "virus", "focus",
    "radius", "corpus", "chaos", "physics", "mathematics", "statistics", "economics", "metadata", "summary",
    "less", "previous", "various", "versus", "whereas", "us", "ms", "kms", "mps", "rgbs", "ids's",
})
_PLURAL_ALREADY = frozenset({"people", "staff", "children", "men", "women", "personnel", "data", "criteria",
                             "indices", "matrices", "vertices", "media", "feet", "teeth", "mice", "geese"})
_PREPOSITIONS = re.compile(r" (?:before|after|of|per|in|for|on|at|from|to|by|with|since|until|over|under) ")
_AMOUNT_OF = re.compile(r"^(?:the )?(?:number|total|count|sum|amount|share|percentage|average|mean|list|set|"
                        r"table|summary|range) of ")
_ONE_FIGURE = re.compile(r"^(?:the )?(?:max|min|maximum|minimum|average|avg|mean|median|limit|peak) ")
"""A plural noun after these is one figure about those things ('max requests'), not a count of them."""


def head_noun(words: str) -> str:
    """The noun a phrase is about: its last word before a preposition ('total zakatable assets' -> 'assets',
    'business days before the deadline' -> 'days')."""
    head = _PREPOSITIONS.split(f" {words.strip()} ", maxsplit=1)[0].split()
    if not head and words.split():  # the phrase starts with a preposition: its first word is the noun
        head = words.split()[:1]
    while len(head) > 1 and re.search(r"(?:ed|ing)$", head[-1].lower()):  # 'files changed': the noun is 'files'
        head = head[:-1]
    return head[-1].lower() if head else ""


def is_plural(words: str) -> bool:
    """The phrase names several things ('filtered rows', 'business days', 'people'), not one ('status', 'the
    number of rows', 'total sales tax')."""
    w = words.strip().lower()
    if not w or _AMOUNT_OF.match(w):
        return False
    noun = head_noun(w)
    if noun in _PLURAL_ALREADY:
        return True
    if noun in _SINGULAR_S or len(noun) <= 2:
        return False
    return noun.endswith("s") and not noun.endswith(_NOT_PLURAL_ENDINGS)


def one_figure(words: str) -> bool:
    """The phrase names one figure about several things ('max requests', 'average prices'), never a count."""
    return bool(_ONE_FIGURE.match(words.strip().lower()))


def copula(words: str) -> str:
    """'is' or 'are', agreeing with the phrase ('the status is', 'the filtered rows are')."""
    return "are" if is_plural(words) else "is"


def what_the(words: str, who: bool = False) -> str:
    """The question for a named value, in agreement: 'what the total is', 'what the business days are', 'who the
    author is'); a code that is the key of a reference table is asked what it stands for ('what 0047900 stands
    for', never 'what the 0047900 is')."""
    if re.fullmatch(r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{4,}", words.strip()):
        return f"what {words.strip()} stands for"
    if words.strip().lower() in _PREPOSITION_FIELDS:  # a field named by its preposition ("from": the sender)
        return _PREPOSITION_FIELDS[words.strip().lower()]
    return f"{'who' if who else 'what'} the {words} {copula(words)}"


_PREPOSITION_FIELDS = {"from": "who it is from", "to": "who it is addressed to", "by": "who it is by",
                       "cc": "who is copied in", "bcc": "who is copied in"}
"""Fields a message or a record names by a preposition: asked as a person would ('who it is from', never 'what the
from is')."""
_PREPOSITION_SAID = {"from": "It is from {value}.", "to": "It is addressed to {value}.", "by": "It is by {value}.",
                     "cc": "It copies in {value}.", "bcc": "It copies in {value}."}


def the_value_is(words: str) -> str:
    """The answer's template for a named value ('{value}' stands for it), in agreement: 'The total is {value}.',
    'The business days are {value}.'; a field named by its preposition as a person says it ('It is from {value}.',
    never 'The from is …')."""
    said = _PREPOSITION_SAID.get(words.strip().lower())
    return said if said is not None else f"The {words} {copula(words)} {{value}}."


def how_many(words: str) -> str:
    """The question for a figure named by a plural noun, which is a count of those things: 'how many filtered
    rows there are'."""
    m = re.match(r"(?:the )?total (.+)$", words.strip())
    if m:
        return f"how many {m.group(1)} there are in total"
    ws = words.split()
    if len(ws) > 1 and ws[-1].endswith("ed") and is_plural(" ".join(ws[:-1])):
        return f"how many {' '.join(ws[:-1])} were {ws[-1]}"  # 'files changed' -> 'how many files were changed'
    return f"how many {words} there are"


def article(phrase: str) -> str:
    """'a' or 'an' before `phrase`, by its sound as far as spelling tells ('an hour', 'a unit', 'an SKU')."""
    w = phrase.strip()
    if not w:
        return "a"
    first = w.split()[0]
    if first.isupper() and len(first) > 1:  # an acronym is read letter by letter: 'an SKU', 'a URL'
        return "an" if first[0] in "AEFHILMNORSX" else "a"
    low = first.lower()
    if re.match(r"(?:hour|honest|honou?r|heir)", low):
        return "an"
    if re.match(r"(?:one|once|use|usu|uni|uti|eu|ewe|u[bcfgkprst][aeiouy])", low):
        return "a"
    return "an" if low[0] in "aeiou" else "a"


_BEFORE_POSSESSIVE = re.compile(r"\b(?:an?|the) (my|your|our|their)(?= \w)")


def no_article_before_possessive(text: str) -> str:
    """TEXT without an article before a possessive ('a my deposit of 50' -> 'my deposit of 50', 'the my bid
    history' -> 'my bid history'): parameters named for the user's side ('my_deposit') are said as the user says
    them."""
    return _BEFORE_POSSESSIVE.sub(r"\1", text)


def with_article(phrase: str) -> str:
    """`phrase` after its indefinite article ('an annual rate', 'a unit price')."""
    return f"{article(phrase)} {phrase}"


def singular(noun: str) -> str:
    """The singular of a regular plural noun ('rows' -> 'row', 'entries' -> 'entry', 'boxes' -> 'box'); anything
    else unchanged."""
    if not is_plural(noun) or noun.lower() in _PLURAL_ALREADY:
        return noun
    if noun.endswith("ies") and len(noun) > 4:
        return noun[:-3] + "y"
    if re.search(r"(?:ch|sh|x|z|ss)es$", noun):
        return noun[:-2]
    return noun[:-1]


def plural(noun: str) -> str:
    """The regular plural of a noun phrase's last word ('date' -> 'dates', 'repository' -> 'repositories',
    'colour code' -> 'colour codes', 'match' -> 'matches'); nouns whose plural is the same stay ('aircraft')."""
    if re.search(r"(?:craft|sheep|deer|fish|data|staff|species|series)$", noun):
        return noun
    if re.search(r"[^aeiou]y$", noun):
        return noun[:-1] + "ies"
    if re.search(r"(?:s|x|z|ch|sh)$", noun):
        return noun + "es"
    return noun + "s"


_CODE_WORDS = frozenset({
    "idx", "num", "val", "vals", "arg", "args", "str", "obj", "cfg", "conf", "src", "dst", "tmp", "buf", "len",
    "col", "cols", "res", "ret", "opt", "opts", "param", "params", "kwargs", "ctx", "sep", "dim", "dims", "ref",
    "ndigits", "nrows", "ncols", "fmt", "df", "arr", "lst", "dict", "tbl", "var", "expr", "eps", "tol", "dt",
})


_WORDS = frozenset({"of", "to", "in", "on", "at", "or", "as", "is", "if", "no", "up", "it", "an", "be", "do", "per",
                    "id", "ids", "pct", "vat", "tax", "by", "my", "why", "try", "dry", "fly", "sky", "spy", "gym"})
"""Short words that are English, not code, in a parameter's name ('years_of_service', 'order_id', 'rate_pct')."""


def codeish(word: str) -> bool:
    """A parameter name's word that is code, not English, and is never said as a noun: one or two letters ('n',
    'df', 'k'), no vowel ('fmt', 'px', 'cnt'), or a programmer's abbreviation ('idx', 'args', 'ndigits')."""
    w = word.lower()
    if w in _WORDS:
        return False
    if not w.isalpha():
        return not re.fullmatch(r"[a-z]+\d*", w) or len(re.sub(r"\d", "", w)) <= 2
    return len(w) <= 2 or not re.search(r"[aeiouy]", w) or w in _CODE_WORDS


def spoken(words: str) -> str:
    """A humanized parameter name with its code words dropped at either end ('n rows' -> 'rows', 'top k' -> 'top',
    'fmt' -> ''); a letter inside it is a label and kept, capitalised ('option a rate' -> 'option A rate'). '' when
    nothing a person would say is left."""
    ws = words.split()
    while ws and codeish(ws[0]):
        ws.pop(0)
    while ws and codeish(ws[-1]):
        ws.pop()
    return " ".join(w.upper() if len(w) == 1 else w for w in ws)


__all__ = [
    "article",
    "codeish",
    "copula",
    "head_noun",
    "how_many",
    "is_plural",
    "no_article_before_possessive",
    "one_figure",
    "plural",
    "singular",
    "spoken",
    "the_value_is",
    "what_the",
    "with_article",
]
