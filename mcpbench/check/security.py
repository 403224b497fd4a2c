"""Security: tool definitions are read by the model as instructions, so a server can hide instructions in them ("tool
poisoning"). Scan names, descriptions and every string inside the schemas for hidden-instruction markup, override and
secrecy phrases, references that steer other tools or read secrets, invisible Unicode, and oversized descriptions;
print a sha256 per tool definition so users can pin what they reviewed."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

from mcpbench.catalog import ToolEntry
from mcpbench.check.model import Observations, Verdict, check

LONG_DESCRIPTION = 2048
"""Characters: above this a description hides text most client UIs never show."""

HIDDEN_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("instruction markup", re.compile(
        r"<\s*/?\s*(important|system|instructions?|secret|hidden|admin|override|critical|mandatory)\b[^>]*>",
        re.IGNORECASE)),
    ("chat-template token", re.compile(
        r"<\|\s*(im_start|im_end|system|assistant|user)\s*\|>|\[/?(INST|SYS)\]", re.IGNORECASE)),
    ("override phrase", re.compile(
        r"\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|other|system|"
        r"original)\b[^.\n]{0,25}\b(instructions?|prompts?|rules|directions|guidelines|messages)\b", re.IGNORECASE)),
    ("secrecy", re.compile(
        r"\b(do not|don't|never|must not)\b[^.\n]{0,40}\b(tell|mention|inform|reveal|notify|show|disclose|alert)\b"
        r"[^.\n]{0,40}\b(user|human|anyone|them)\b|\bwithout (telling|informing|notifying|alerting) the user\b",
        re.IGNORECASE)),
]
SUSPICIOUS_RULES: list[tuple[str, re.Pattern[str]]] = [
    ("sensitive path", re.compile(
        r"~/\.ssh|\bid_(rsa|ed25519|ecdsa)\b|\.aws/credentials|/etc/(passwd|shadow)|\bmcp\.json\b|"
        r"claude_desktop_config|\.npmrc\b|\.pypirc\b|\.netrc\b|\.git-credentials|\bprivate key\b", re.IGNORECASE)),
    ("exfiltration", re.compile(
        r"\b(send|post|upload|forward|transmit|exfiltrate|leak|email)\b[^.\n]{0,60}(https?://|\bwebhook\b)|"
        r"\b(pass|put|include)\b[^.\n]{0,40}\b(contents?|data|keys?|credentials)\b[^.\n]{0,30}\b(as|in|into)\b"
        r"[^.\n]{0,20}\b(sidenote|side_note|parameter|argument|field)\b", re.IGNORECASE)),
    ("steers other tools", re.compile(
        r"\b(always|must|never|instead of|before|after)\b[^.\n]{0,40}\b(any|every|all|each|other|another)\s+"
        r"(other\s+)?(tools?|servers?|functions?)\b|\bwhen\b[^.\n]{0,30}\b(other|another)\s+(tool|server)\b",
        re.IGNORECASE)),
]

INVISIBLE = {0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A, 0x202B, 0x202C,
             0x202D, 0x202E, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF}
"""Zero-width, bidirectional-control and invisible-operator characters."""


def invisible_chars(text: str) -> list[tuple[int, str]]:
    """(index, 'U+XXXX NAME') for every invisible or bidi-control character (incl. Unicode tag characters)."""
    out = []
    for i, ch in enumerate(text):
        cp = ord(ch)
        if cp in INVISIBLE or 0xE0000 <= cp <= 0xE007F or 0xE0100 <= cp <= 0xE01EF:
            out.append((i, f"U+{cp:04X} {unicodedata.name(ch, 'UNNAMED')}"))
    return out


def strings_of(tool: ToolEntry) -> Iterator[tuple[str, str]]:
    """(where, text) for the name, title, description and every string inside the schemas and annotations."""
    yield "name", tool.name
    if tool.title:
        yield "title", tool.title
    yield "description", tool.description

    def walk(node: Any, path: str) -> Iterator[tuple[str, str]]:
        if isinstance(node, str):
            yield path, node
        elif isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and not k.isidentifier():  # odd property names can carry text too
                    yield f"{path}/{k!r}(key)", k
                yield from walk(v, f"{path}/{k}")
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield from walk(v, f"{path}/{i}")

    yield from walk(tool.input_schema, "inputSchema")
    if tool.output_schema is not None:
        yield from walk(tool.output_schema, "outputSchema")
    if tool.annotations:
        yield from walk(tool.annotations, "annotations")


def scan(tool: ToolEntry, rules: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    hits = []
    for where, text in strings_of(tool):
        for label, rx in rules:
            m = rx.search(text)
            if m:
                snippet = text[max(0, m.start() - 20): m.end() + 20].replace("\n", " ")
                hits.append(f"{tool.name} {where}: {label}: …{snippet}…")
    return hits


@check("security.hidden_instructions", category="security", severity="error", title="Hidden instructions",
       why="Models follow instructions found in tool descriptions; markup like <IMPORTANT>, 'ignore previous "
           "instructions' or 'do not tell the user' is how tool-poisoning attacks hijack an agent.",
       hint="Describe what the tool does; never address the model with instructions, tags or secrecy requests.")
def _hidden(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    hits = [h for tl in obs.tools for h in scan(tl, HIDDEN_RULES)]
    if hits:
        return Verdict("fail", f"{len(hits)} instruction-like passage(s) in tool definitions", hits)
    return Verdict("pass", "no hidden instructions found")


@check("security.suspicious_references", category="security", severity="warn", title="Suspicious references",
       why="A definition that mentions secrets (~/.ssh, credentials), sending data out, or steering other tools and "
           "servers can make an agent leak data or misuse other servers ('cross-server shadowing').",
       hint="Keep each description about its own tool; never mention other tools, secret files or where to send data.")
def _suspicious(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    hits = [h for tl in obs.tools for h in scan(tl, SUSPICIOUS_RULES)]
    if hits:
        return Verdict("warn", f"{len(hits)} suspicious reference(s)", hits)
    return Verdict("pass", "no references to secrets, exfiltration or other tools")


@check("security.invisible_unicode", category="security", severity="error", title="Invisible Unicode",
       why="Zero-width, bidi-control and tag characters hide text from the human reviewer while the model reads it.",
       hint="Remove zero-width, bidirectional-control and tag characters from names, descriptions and schemas.")
def _invisible(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    hits = []
    for tl in obs.tools:
        for where, text in strings_of(tl):
            found = invisible_chars(text)
            if found:
                kinds = sorted({k for _, k in found})
                hits.append(f"{tl.name} {where}: {len(found)} × {', '.join(kinds)}")
    if hits:
        return Verdict("fail", f"invisible characters in {len(hits)} place(s)", hits)
    return Verdict("pass", "no invisible or bidi-control characters")


@check("security.long_description", category="security", severity="warn", title="Description length",
       why=f"Descriptions over {LONG_DESCRIPTION} characters cost context on every request and can hide text that "
           "client UIs truncate.",
       hint="Keep descriptions short; move long documentation to a resource or the server instructions.")
def _long(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    long_ = [f"{tl.name}: {len(tl.description)} characters" for tl in obs.tools
             if len(tl.description) > LONG_DESCRIPTION]
    if long_:
        return Verdict("warn", f"{len(long_)} description(s) over {LONG_DESCRIPTION} characters", long_)
    longest = max(obs.tools, key=lambda tl: len(tl.description))
    return Verdict("pass", f"longest description {len(longest.description)} characters ({longest.name})")


@check("security.pinning", category="security", severity="info", title="Definition hashes",
       why="A tool whose definition changes after you reviewed it (a 'rug pull') can only be caught by pinning its "
           "hash.",
       hint="")
def _pinning(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    return Verdict("info", f"sha256 of {len(obs.tools)} tool definition(s) for pinning",
                   [f"{tl.sha256}  {tl.name}" for tl in obs.tools])


__all__ = ["HIDDEN_RULES", "INVISIBLE", "LONG_DESCRIPTION", "SUSPICIOUS_RULES", "invisible_chars", "scan",
           "strings_of"]
