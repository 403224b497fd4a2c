"""Free text for read tools: a required text parameter gets a sentence from the world, and a parameter that must be
a part of that text (a character, a word, a start and an end marker) gets a piece of the very text chosen for the
same call, so the call makes sense (the word occurs, the end marker follows the start marker).

No tool is named here: parameters are recognised by name, description and JSON type (fill.role's notion of content,
plus the names string tools give their input). The text is what the person provides: the request states it.
Kinds:

- `text` (registered in kinds.KINDS) — a sentence from the world's documents (memos, meeting notes, policies), no
  digits and no failure words, so a count or an index in the answer is not given away by the request and no output
  reads like an error; or, bound, a one-line plain-text output of an earlier step (replace a range, then count);
- run-local kinds, never in kinds.KINDS (nothing produces them, they are never bound):
- `text.char`, `text.word`, `text.start`, `text.end` — a piece of the call's `text` (fixed by `complete`);
- `phrase` — a short world name to put into a text (a product), for insertion and replacement parameters;
- `prose` — a sentence (or two) of the world's documents for a required plain string nothing else recognises
  (`musing`, `roughIdea`, a parameter named in another language): see `is_prose`.
"""

from __future__ import annotations

import itertools
import random
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from mcpbench.world import SOURCE_DIR
from task_synth.fill import role
from task_synth.kinds import NEVER, Kind, register_kind

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph, ToolNode

TEXT = "text"
PHRASE = "phrase"
PROSE = "prose"
PARTS = ("text.char", "text.word", "text.start", "text.end")
"""Kinds whose value is a piece of the same call's text."""

_TEXT_NAME = re.compile(r"(^|_)(text|string|str|sentence|paragraph|passage|input|source|content|body|message)$",
                        re.IGNORECASE)
_FORMATS = frozenset({"json", "csv", "yaml", "xml", "html", "sql", "regex", "latex", "base64", "smiles", "code",
                      "script", "url", "path", "file", "expr", "expression", "formula", "equation", "func",
                      "function", "lambda"})
"""Words of a parameter's name that say its text is in a format, not prose (`json_text`, `sourceCode`, `file_path`,
`expr_str`: an expression, which its kind gives when its description says so, and which prose never is)."""


def name_words(name: str) -> list[str]:
    """A parameter's name in lower-case words, split at snake_case, kebab-case and camelCase boundaries and digits
    ('roughIdea' -> rough, idea; 'HTMLBody' -> html, body; 'expr_str' -> expr, str)."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    return [w.lower() for w in re.split(r"[\W_\d]+", spaced) if w]


def _formatted(name: str) -> bool:
    """The name says a format by a whole word ('json_str', 'csvData', 'code', 'expr_str') or ends in one run on
    ('rawjson', 'jsonstr'), or has a one-letter word ('g_str'); a word that only contains a format does not count
    ('description' has 'script', 'profile' has 'file')."""
    words = name_words(name)
    if any(len(w) == 1 for w in words):
        return True  # a symbol ('g_str', 'f', 'x_expr'): mathematics, not prose
    return any(w in _FORMATS or w.removesuffix("s") in _FORMATS for w in words) or any(
        w.endswith(f) or (w.startswith(f) and w[len(f):] in ("str", "string", "text", "data", "input", "content",
                                                             "body", "doc", "document", "payload"))
        for w in words for f in ("json", "csv", "yaml", "xml", "html", "sql", "regex", "latex", "base64"))
_CHAR = re.compile(r"^(char|character|letter|symbol|ch)$", re.IGNORECASE)
_START = re.compile(r"^(start|begin|open|left|from)_?(marker|delimiter|tag|string|text|token)$|^(prefix|start|begin)$",
                    re.IGNORECASE)
_END = re.compile(r"^(end|close|right|to)_?(marker|delimiter|tag|string|text|token)$|^(suffix|end|stop)$",
                  re.IGNORECASE)
_WORD = re.compile(r"^(sub_?string|word|needle|pattern|search|find|term|token|phrase|target|marker|old|old_text|"
                   r"search_?(term|string|text)|part)$", re.IGNORECASE)
_PHRASE = re.compile(r"^(insertion|replacement|new_?text|replace_?with|insert|addition|new|new_?string|with)$",
                     re.IGNORECASE)
_FAILURE_WORDS = re.compile(r"not found|no such|not (currently )?(loaded|set|open|available)|invalid|error|failed|"
                            r"cannot|can't|could not|not allowed|denied|unknown|missing|required|does not exist",
                            re.IGNORECASE)
_PROSE = re.compile(r"[A-Z][A-Za-z ,;:'’]+\.")


register_kind(Kind(TEXT, r"[^\n]+", find=r"\A\s*([A-Za-z][^\n{}\[\]]{19,400}?)\s*\Z", noun="text"))
MARKUP = "markup"
"""An HTML document (a page of the world's web site): what a person pastes into a tool that validates, converts or
inspects markup."""
register_kind(Kind(MARKUP, r"(?s)\s*<.+>\s*", find=NEVER, noun="page"))
_HTML_NAME = re.compile(r"(^|_)(html|markup|page_?source)(_?(content|text|string|source|snippet|code|doc|document|"
                        r"page|input))?$", re.IGNORECASE)
JSON_DOC, CSV_DOC = "json", "csv"
DOCUMENTS = (JSON_DOC, CSV_DOC)
"""A JSON or CSV text built from the world's records: what a person pastes into a tool whose description says its
text is JSON or CSV (pretty-print, validate, filter rows). Pasted after the question, like a page."""
register_kind(Kind(JSON_DOC, r"(?s)\s*[\[{].*[\]}]\s*", find=NEVER, noun="JSON text"))
register_kind(Kind(CSV_DOC, r"(?s).+,.+", find=NEVER, noun="CSV text"))
_DOC_FORMAT = re.compile(r"\b(json|csv)\b", re.IGNORECASE)
_OTHER_FORMAT = re.compile(r"\b(?:yaml|xml|toml|ini)\b|\.env\b|\blog (?:file|lines?)\b", re.IGNORECASE)
"""Formats no world text is written in: a tool whose description says its text is one of them takes no prose."""
"""A one-line plain-text output (a string tool's result) is a text the next call can work on; parameters get this
kind from `classify`, never from their name alone (kinds.param_kind), and probes never pool it (probe.NOT_POOLED)."""


def _string(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    types = set(t) if isinstance(t, list) else {t} if t else set()
    for alt in schema.get("anyOf") or []:
        if isinstance(alt, dict) and alt.get("type"):
            types.add(alt["type"])
    return "enum" not in schema and (types - {"null"}) <= {"string"} and bool(types - {"null"})


def is_free_text(name: str, schema: dict[str, Any]) -> bool:
    """A required string parameter that takes free text (by name: fill.role's content, or a string tool's input)."""
    if not _string(schema) or _formatted(name):
        return False
    desc = str(schema.get("description", ""))
    if re.search(r"\b(json|csv|yaml|xml|html|sql|regex|base64|url|path)\b", desc, re.IGNORECASE):
        return False
    return bool(_TEXT_NAME.search(name)) or (role(name, schema) == "content" and name.lower() not in (
        "data", "values", "value", "items", "rows", "records", "entries", "tasks", "lines"))


_NOT_PROSE = frozenset({
    "id", "ids", "key", "uuid", "guid", "token", "hash", "sha", "ref", "slug", "handle", "code", "path", "dir",
    "directory", "folder", "url", "uri", "link", "host", "port", "ip", "address", "email", "phone", "name",
    "username", "user", "owner", "account", "type", "status", "state", "mode", "kind", "format", "lang", "language",
    "locale", "version", "date", "time", "timezone", "tag", "label", "unit", "currency", "country", "city", "region",
    "branch", "repo", "repository", "model", "method", "field", "column", "table", "sheet", "cell", "range", "query",
    "pattern", "command", "cmd", "password", "secret", "expr", "expression", "formula", "selector", "target",
    "category", "role", "level", "priority", "color", "colour", "symbol", "ticker", "sort", "order", "action",
    "operation", "op", "env", "channel", "project", "workspace", "database", "db", "schema", "namespace", "bucket",
    "index", "endpoint", "domain", "char", "character", "letter", "word", "prefix", "suffix", "separator",
    "delimiter", "encoding", "algorithm", "number", "count", "size", "stage", "phase", "step",
    "recipient", "recipients", "sender", "to", "cc", "bcc", "assignee", "author", "parent", "destination", "dest",
    "location", "place", "server", "service", "provider", "platform", "device", "voice", "style", "theme",
    "variable", "var", "bound", "lower", "upper", "point", "matrix", "vector", "guess", "limit", "min", "max",
    "start", "end", "from", "value", "row", "col", "dimension", "coefficient", "degree", "base"})
"""Words of a name that make a string a handle, a setting or a value of its own kind: never given prose."""
_NOT_PROSE_DESC = re.compile(r"\b(?:ids?|identifier|uuid|key|exist\w*|valid|path|url|uri|json|csv|yaml|xml|html|"
                             r"sql|regex|regular expression|base64|e-?mail|YYYY|one of|must match|comma[- ]separated|"
                             r"separated by|variables?|bounds?|matri(?:x|ces)|symbols?|guess(?:es)?)\b|"
                             r"(?<![A-Za-z])ID(?![A-Za-z])", re.IGNORECASE)


def is_prose(name: str, schema: dict[str, Any]) -> bool:
    """A required string the synthesizer knows nothing else about that can take a sentence of the world: a plain
    string (no enum, format, pattern or short maximum length) whose name is no handle, setting or value of a kind
    of its own (not an id, a key, a path, a name of a thing that must exist, a type) in any of its words, and
    whose description (in any language; one there must be, or a minimum length of 10) says it is none either. Names
    in another language (`resoconto`) or outside the English lists (`musing`, `roughIdea`) pass; a wrong guess
    costs a rejected call, while an id given prose would be a task about nothing, so the lists lean to refusing."""
    from task_synth.kinds import expression_variable

    if not _string(schema) or {"format", "pattern", "const"} & set(schema) or _formatted(name):
        return False
    words = set(name_words(name))
    if int(schema.get("maxLength") or 1000) < 40 or (words | {w.removesuffix("s") for w in words}) & _NOT_PROSE:
        return False
    if role(name, schema) not in ("", "content"):
        return False
    desc = str(schema.get("description", "")).strip()
    if not desc and int(schema.get("minLength") or 0) < 10:
        return False  # nothing says it is a text at all ('lhs', 'set1', 'args' of a symbolic tool)
    return not _NOT_PROSE_DESC.search(desc) and expression_variable(desc) is None


def is_markup(name: str, schema: dict[str, Any]) -> bool:
    """A string parameter that takes an HTML document: named so ('html', 'html_content'), or a content parameter
    its description says is HTML."""
    if not _string(schema):
        return False
    if _HTML_NAME.search(name):
        return True
    desc = str(schema.get("description", ""))
    return bool(re.search(r"\bhtml\b", desc, re.IGNORECASE)) and (
        bool(_TEXT_NAME.search(name)) or role(name, schema) == "content")


def part_kind(name: str, schema: dict[str, Any]) -> str | None:
    """The kind of a string parameter that must be a piece of the call's text, else None."""
    if not _string(schema):
        return None
    if _CHAR.match(name) or (schema.get("maxLength") == 1 and schema.get("minLength", 1) == 1):
        return "text.char"
    if _START.match(name):
        return "text.start"
    if _END.match(name):
        return "text.end"
    if _WORD.match(name):
        return "text.word"
    return None


def classify(entry: ToolEntry, kinds: dict[str, str | None]) -> dict[str, str]:
    """New kinds for the tool's required parameters that have none (or only a search kind with nothing to search):
    one free-text parameter becomes `text`, pieces of it `text.*`, insertions `phrase`. Empty when the tool has no
    free-text parameter."""
    props = (entry.input_schema or {}).get("properties") or {}
    open_ = [p for p, k in kinds.items() if k in (None, "search")]
    pages = [p for p in open_ if is_markup(p, props.get(p) or {})]
    if len(pages) == 1:
        return {pages[0]: MARKUP}
    texts = [p for p in open_ if is_free_text(p, props.get(p) or {})]
    if len(texts) != 1:
        return {}
    fmt = text_format(entry.description or "", props.get(texts[0]) or {})
    if fmt is not None:
        return {texts[0]: fmt} if fmt in DOCUMENTS else {}
    out = {texts[0]: TEXT}
    for p in open_:
        if p == texts[0]:
            continue
        schema = props.get(p) or {}
        part = part_kind(p, schema)
        if part is not None:
            out[p] = part
        elif _string(schema) and _PHRASE.match(p):
            out[p] = PHRASE
    if ("text.start" in out.values()) != ("text.end" in out.values()):
        out = {p: ("text.word" if k in ("text.start", "text.end") else k) for p, k in out.items()}
    return out


def text_format(description: str, schema: dict[str, Any]) -> str | None:
    """The format a tool's text is in, from the first clause of its description or the parameter's own ('Pretty-print
    JSON text', 'Render CSV as a table'): JSON_DOC or CSV_DOC, '' for a format no world text is written in (YAML, a
    .env file), None for prose."""
    from task_synth.wording import first_clause

    said = f"{first_clause(description)} {schema.get('description', '')}"
    found = {m.group(1).lower() for m in _DOC_FORMAT.finditer(said)}
    if len(found) == 1:
        return found.pop()
    return "" if found or _OTHER_FORMAT.search(said) else None


def _key(column: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")


@cache
def world_documents(fmt: str) -> tuple[str, ...]:
    """The world's records (topics.py) as JSON texts (an array of objects) or CSV texts (a header, then a row per
    record), one per topic, in a fixed order."""
    import csv
    import io
    import json

    from task_synth.topics import world_topics

    out: list[str] = []
    for t in world_topics():
        if fmt == JSON_DOC:
            out.append(json.dumps([{_key(c): v for c, v in zip(t.columns, r, strict=False)} for r in t.rows],
                                  ensure_ascii=False))
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows([[_key(c) for c in t.columns], *t.rows])
            out.append(buf.getvalue().strip())
    return tuple(out)


def document_words(fmt: str) -> str:
    """How a request names a pasted JSON or CSV text: 'the JSON below'."""
    return f"the {fmt.upper()} below"


def _paragraphs(md: str) -> list[str]:
    out: list[str] = []
    cur: list[str] = []
    for line in md.splitlines():
        s = line.strip()
        if not s or s.startswith(("#", "|", "---", "```")) or (re.match(r"^[A-Z][a-z]+:\s", s) and len(s) < 60):
            if cur:
                out.append(" ".join(cur))
                cur = []
            continue
        cur.append(re.sub(r"^([-*]|\d+[.)])\s+", "", s))
    if cur:
        out.append(" ".join(cur))
    return [re.sub(r"\*\*|__|`", "", p) for p in out]


@cache
def world_texts() -> tuple[str, ...]:
    """Sentences of the world's documents a person might paste (prose only, no digits, no failure words), in a
    fixed order."""
    out: list[str] = []
    for f in sorted((SOURCE_DIR / "docs").rglob("*.md")):
        for para in _paragraphs(f.read_text(encoding="utf-8")):
            for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z])", para):
                s = sent.strip()
                if (40 <= len(s) <= 160 and _PROSE.fullmatch(s) and not _FAILURE_WORDS.search(s)
                        and s not in out and len(_words(s)) >= 6):
                    out.append(s)
    return tuple(out)


@cache
def world_pages() -> tuple[str, ...]:
    """The world's web pages as HTML (each under 2 kB), in a fixed order."""
    pages = [f.read_text(encoding="utf-8").strip() for f in sorted((SOURCE_DIR / "web").glob("*.html"))]
    return tuple(p for p in pages if len(p) <= 2000)


def page_words(html: str) -> str:
    """How a request names a pasted page: by its title ('the Service status page below'), else 'the page below'."""
    m = re.search(r"<title>(.*?)</title>", html, re.S | re.IGNORECASE)
    title = re.split(r"\s+[—–|-]\s+", m.group(1).strip())[0].strip() if m else ""
    return f"the {title} page below" if title and len(title) <= 60 else "the page below"


def pasted_pages(views: list[Any]) -> str:
    """The pages the request names 'below', for after the question (each once, in the order said)."""
    out: list[str] = []
    for v in views:
        for p, k in sorted(v.kinds.items()):
            val = v.args.get(p)
            if k in (MARKUP, *DOCUMENTS) and isinstance(val, str) and not v.is_bound(p) and val.strip() not in out:
                out.append(val.strip())
    return "".join(f"\n\n{x}" for x in out)


@cache
def world_phrases() -> tuple[str, ...]:
    """Short names from the world (products) to put into a text."""
    from task_synth.topics import world_topics

    names: list[str] = []
    for t in world_topics():
        if t.noun == "product":
            names += [str(r[0]) for r in t.rows if str(r[0]) not in names]
    return tuple(n for n in names if not re.search(r"\d", n))[:6]


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{4,}", text)


def parts(text: str, kind: str) -> list[str]:
    """Candidate pieces of `text` for a part kind, in order of appearance (deterministic)."""
    if kind == "text.char":
        letters = [c for c in text if c.isalpha()]  # as they are written: a search for 'e' misses 'E'
        return sorted({c for c in letters if letters.count(c) >= 2}, key=text.index)
    words = list(dict.fromkeys(_words(text)))
    if kind == "text.word":
        return words
    if kind == "text.start":
        return words[:-2]
    return words[2:]


def add_pools(graph: ToolGraph) -> None:
    """The pools of the kinds in use (the pieces' pools are only there so the parameter counts as fillable;
    `complete` replaces them by pieces of the call's own text)."""
    used = {k for n in graph.nodes for k in n.params.values()}
    texts = list(world_texts())
    if TEXT in used and texts:
        graph.pools[TEXT] = texts
        for k in PARTS:
            if k in used:
                graph.pools[k] = parts(texts[0], k)[:4]
    for fmt in DOCUMENTS:
        if fmt in used:
            graph.pools[fmt] = list(world_documents(fmt))
    if MARKUP in used and world_pages():
        graph.pools[MARKUP] = list(world_pages())
    if PHRASE in used and world_phrases():
        graph.pools[PHRASE] = list(world_phrases())


def world_prose() -> list[str]:
    """The PROSE pool: the world's sentences from the fourth on (a text parameter of the same call starts at the
    first), then pairs of consecutive ones, for a parameter whose minimum length one sentence does not reach."""
    texts = list(world_texts())
    return texts[3:] + texts[:3] + [f"{a} {b}" for a, b in itertools.pairwise(texts)]


def assign(graph: ToolGraph, entries: list[ToolEntry]) -> None:
    """Give free-text parameters of read tools their kinds and pools (graph.init_graph calls it once)."""
    by_key = {f"{e.server}/{e.name}": e for e in entries}
    for node in graph.nodes:
        entry = by_key.get(node.key)
        if entry is None or not node.read_only:
            continue
        node.params.update(classify(entry, node.params))
    add_pools(graph)


def assign_prose(graph: ToolGraph, entries: list[ToolEntry]) -> None:
    """PROSE for the required parameters of read tools that are still of no kind once everything else had its say
    (kinds by name and description, free texts, addresses, colours, listers, examples, handles an opener or another
    tool's output gives) and that `is_prose` accepts: the last resort before 'its kind is unknown'. Run by the probe
    stage before its probes, so those tools are probed too."""
    from task_synth.graph import handle_source

    for node, _, props in graph.read_nodes(entries):
        for p, k in list(node.params.items()):
            if k is None and handle_source(graph, node.server, p) is None and is_prose(p, props.get(p) or {}):
                node.params[p] = PROSE
    if any(PROSE in n.params.values() for n in graph.nodes) and world_texts():
        graph.pools[PROSE] = world_prose()


def complete(node: ToolNode, args: dict[str, Any], rng: random.Random | None, chain_text: str | None = None) -> None:
    """Make a call's literal arguments coherent (with no rng, as probes do, the first candidates):

    - a parameter whose tool documents example values takes one of them (a `year` documented "e.g. 2026");
    - the chain's text again (one text per request), and every piece parameter a piece of this call's text.

    Draws nothing for tools without documented examples or a text (other walks keep their random sequence)."""
    from task_synth.documented import documented_examples

    for p, k in node.params.items():
        if p not in args or k is None or k in (TEXT, PHRASE, *PARTS):
            continue
        examples = [v for v in documented_examples(node.description, p) if _fits(v, k)]
        if examples and args[p] not in examples:
            args[p] = examples[0] if rng is None or len(examples) == 1 else rng.choice(examples)
    text_params = [p for p, k in node.params.items() if k == TEXT]
    if not text_params:
        return
    if chain_text is not None:
        for p in text_params:
            if p in args:
                args[p] = chain_text
    # a bound text (an earlier step's result) is worked on in pieces of the person's own text
    text = str(args.get(text_params[0], chain_text or ""))
    if not text:
        return
    start_at = 0
    for p, k in sorted(node.params.items(), key=lambda kv: PARTS.index(kv[1]) if kv[1] in PARTS else -1):
        if k not in PARTS or p not in args:
            continue
        cands = parts(text, k)
        if k == "text.end":
            cands = [w for w in cands if text.find(w, start_at) >= 0] or cands
        if not cands:
            continue
        value = cands[0] if rng is None else rng.choice(cands[:8])
        args[p] = value
        if k == "text.start":
            start_at = text.find(value) + len(value)


def fit_parts(node: ToolNode | None, args: dict[str, Any], bound: set[str], rng: random.Random) -> None:
    """At grounding: when a call's text is bound to an earlier result (an upper-cased or spliced text), its pieces
    are chosen again from the text it actually gets, so the word still occurs. Draws nothing otherwise."""
    if node is None:
        return
    texts = [p for p, k in node.params.items() if k == TEXT and p in bound and isinstance(args.get(p), str)]
    if not texts:
        return
    text = args[texts[0]]
    start_at = 0
    for p, k in sorted(node.params.items(), key=lambda kv: PARTS.index(kv[1]) if kv[1] in PARTS else -1):
        if k not in PARTS or p in bound or p not in args:
            continue
        cands = parts(text, k)
        if k == "text.end":
            cands = [w for w in cands if text.find(w, start_at) >= 0]
        if cands:
            args[p] = rng.choice(cands[:8])
            if k == "text.start":
                start_at = text.find(args[p]) + len(args[p])


def trim_text_ends(steps: list[Any] | None, nodes: dict[str, ToolNode]) -> list[Any] | None:
    """A walk does not end on a step whose result is only a text to work on and that takes nothing but that text
    (a sorted or tidied text): there is nothing to ask of it, so such last steps are dropped (deterministically: no
    draw). A tool that also takes a setting or a piece (a letter case, an encoding, a range to replace) changes the
    text as asked: its result is the answer (plain.changed_text_ask)."""
    while steps and len(steps) > 1:
        node = nodes.get(f"{steps[-1].server}/{steps[-1].tool}")
        if node is None or set(node.produces) != {TEXT} or set(node.params.values()) - {TEXT}:
            break
        steps = steps[:-1]
    return steps


SAME_TEXT = "that same text"


def say_once(views: list[Any]) -> None:
    """Wording: a text the request already gave is 'that same text' in later steps (the person pastes it once)."""
    given: set[str] = set()
    for v in views:
        for p, k in sorted(v.kinds.items()):
            val = v.args.get(p)
            if k != TEXT or not isinstance(val, str):
                continue
            if val in given:
                v.args[p] = SAME_TEXT
            given.add(val)


def _fits(value: Any, kind: str) -> bool:
    from task_synth.kinds import KINDS

    k = KINDS.get(kind)
    if k is None:
        return False
    if k.json_type == "number":
        return isinstance(value, int)
    return isinstance(value, str) and re.fullmatch(k.pattern, value) is not None


def chain_text(nodes: list[ToolNode], steps_args: list[dict[str, Any]]) -> str | None:
    """The text an earlier step of the chain was given (the person's one text), else None."""
    for node, args in zip(nodes, steps_args, strict=False):
        for p, k in node.params.items():
            if k == TEXT and isinstance(args.get(p), str):
                return args[p]
    return None


__all__ = [
    "CSV_DOC",
    "DOCUMENTS",
    "JSON_DOC",
    "MARKUP",
    "PARTS",
    "PHRASE",
    "PROSE",
    "TEXT",
    "add_pools",
    "assign",
    "assign_prose",
    "chain_text",
    "classify",
    "complete",
    "document_words",
    "fit_parts",
    "is_free_text",
    "is_markup",
    "is_prose",
    "name_words",
    "page_words",
    "part_kind",
    "parts",
    "pasted_pages",
    "say_once",
    "text_format",
    "world_documents",
    "world_pages",
    "world_phrases",
    "world_prose",
    "world_texts",
]
