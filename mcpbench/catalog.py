"""The catalog: every tool of the fleet with a provider-safe exposed name, a content hash and a quarantine verdict."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from pydantic import BaseModel, Field

SDK_NAME = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
PROVIDER_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
SEP = "__"
TOP_LEVEL_REJECTED = ("oneOf", "anyOf", "allOf", "enum", "not", "const")
"""Keywords providers refuse at the root of a tool's input schema."""


class ToolEntry(BaseModel):
    """One tool of one server."""

    server: str
    name: str
    """The tool's real name on its server."""
    exposed_name: str = ""
    """The provider-safe name offered to models (server__tool, hashed when needed)."""
    title: str | None = None
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    output_schema: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None
    sha256: str = ""
    """sha256 of the canonical definition (name, description, inputSchema, outputSchema, annotations)."""
    quarantined: str | None = None
    """Why this tool is withheld from models, or None."""
    flags: list[str] = Field(default_factory=list)
    """Security findings in the definition (tool-poisoning patterns, invisible characters); flagged tools stay
    usable and are reported (`servers tools`)."""

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description, "inputSchema": self.input_schema,
                "outputSchema": self.output_schema, "annotations": self.annotations}


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def tool_sha256(definition: dict[str, Any]) -> str:
    """sha256 of a tool definition's canonical JSON (keys sorted, no whitespace, None fields dropped)."""
    clean = {k: v for k, v in definition.items() if v is not None}
    return hashlib.sha256(canonical_json(clean).encode("utf-8")).hexdigest()


def _sanitize(s: str) -> str:
    return re.sub(r"[^a-zA-Z0-9_-]", "_", s)


def exposed_name(server: str, tool: str) -> str:
    """'server__tool' made safe for OpenAI and Anthropic (^[a-zA-Z0-9_-]{1,64}$).

    Characters outside the set become '_'; when that changed anything or the result is over 64 characters, a short
    hash of the real pair is appended so distinct tools never collide. The mapping is kept in the Catalog (reversible).
    """
    base = f"{_sanitize(server)}{SEP}{_sanitize(tool)}"
    # 'a_' + '_b' and 'a' + '__b' would both read 'a____b': a split that is not unique gets the hash too
    ambiguous = SEP in server or server.endswith("_") or tool.startswith("_")
    if base == f"{server}{SEP}{tool}" and len(base) <= 64 and not ambiguous:
        return base
    digest = hashlib.sha256(f"{server}\x00{tool}".encode()).hexdigest()[:8]
    return f"{base[:55]}_{digest}"


def schema_problems(schema: Any) -> list[str]:
    """Why an input schema would break a request to OpenAI or Anthropic; empty when it is fine."""
    problems: list[str] = []
    if not isinstance(schema, dict):
        return ["inputSchema is not an object"]
    if schema.get("type") != "object":
        problems.append(f"inputSchema root type is {schema.get('type')!r}, not 'object'")
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as e:
        problems.append(f"inputSchema is not valid JSON Schema: {e.message}")
    top = [k for k in TOP_LEVEL_REJECTED if k in schema]
    if top:
        # OpenAI: "schema must have type 'object' and not have 'oneOf'/'anyOf'/'allOf'/'enum'/'not' at the top level";
        # Anthropic: "input_schema does not support oneOf, allOf, or anyOf at the top level".
        problems.append(f"/: {'/'.join(top)} at the top level (OpenAI and Anthropic reject it)")

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            t = node.get("type")
            if (t == "array" or (isinstance(t, list) and "array" in t)) and "items" not in node:
                problems.append(f"{path or '/'}: array without 'items' (OpenAI rejects it)")
            for k, v in node.items():
                if k in ("properties", "$defs", "definitions", "patternProperties") and isinstance(v, dict):
                    for pk, pv in v.items():
                        walk(pv, f"{path}/{k}/{pk}")
                elif k in ("items", "additionalProperties", "not", "if", "then", "else"):
                    walk(v, f"{path}/{k}")
                elif k in ("anyOf", "oneOf", "allOf", "prefixItems") and isinstance(v, list):
                    for i, x in enumerate(v):
                        walk(x, f"{path}/{k}/{i}")

    walk(schema, "")
    return problems


class Catalog:
    """All tools of a fleet, indexed by exposed name; invalid tools are quarantined with a reason."""

    def __init__(self, entries: Iterable[ToolEntry] = ()):
        self._entries: list[ToolEntry] = []
        self._by_exposed: dict[str, ToolEntry] = {}
        for e in entries:
            self.add(e)

    def add(self, entry: ToolEntry) -> ToolEntry:
        """Hash, name and vet one tool; returns the stored entry."""
        e = entry.model_copy()
        e.sha256 = tool_sha256(e.definition())
        reasons: list[str] = [entry.quarantined] if entry.quarantined else []  # e.g. failed the SDK's validation
        if not SDK_NAME.fullmatch(e.name):
            reasons.append(f"tool name {e.name!r} breaks the MCP naming rule ^[A-Za-z0-9._-]{{1,128}}$")
        reasons += schema_problems(e.input_schema)
        e.exposed_name = exposed_name(e.server, e.name)
        if any(x.server == e.server and x.name == e.name for x in self._entries):
            reasons.append(f"duplicate tool name {e.name!r} on server {e.server!r}")
            e.exposed_name = f"{e.exposed_name[:52]}_dup{len(self._entries)}"
        clash = self._by_exposed.get(e.exposed_name)
        if clash is not None and (clash.server, clash.name) != (e.server, e.name):
            # two different tools under one exposed name: neither can be told apart, so neither is offered
            reasons.append(f"exposed name {e.exposed_name!r} collides with {clash.server}/{clash.name}")
            note = f"exposed name {e.exposed_name!r} collides with {e.server}/{e.name}"
            clash.quarantined = f"{clash.quarantined}; {note}" if clash.quarantined else note
        e.quarantined = "; ".join(reasons) or None
        self._entries.append(e)
        self._by_exposed.setdefault(e.exposed_name, e)
        return e

    def remove_server(self, server: str) -> None:
        self._entries = [e for e in self._entries if e.server != server]
        self._by_exposed = {k: v for k, v in self._by_exposed.items() if v.server != server}

    def __iter__(self) -> Iterator[ToolEntry]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def entries(self, servers: Iterable[str] | None = None, *, include_quarantined: bool = False) -> list[ToolEntry]:
        wanted = set(servers) if servers is not None else None
        return [e for e in self._entries
                if (wanted is None or e.server in wanted) and (include_quarantined or e.quarantined is None)]

    def resolve(self, exposed: str) -> ToolEntry | None:
        """The tool behind an exposed name (reverse of exposed_name), or None."""
        return self._by_exposed.get(exposed)

    def find(self, server: str, name: str) -> ToolEntry | None:
        for e in self._entries:
            if e.server == server and e.name == name:
                return e
        return None

    def quarantined(self) -> list[ToolEntry]:
        return [e for e in self._entries if e.quarantined]

    def hashes(self) -> dict[str, str]:
        """'server/tool' -> sha256, for run specs and drift detection."""
        return {f"{e.server}/{e.name}": e.sha256 for e in self._entries}


@lru_cache(maxsize=4096)
def _validator(schema_json: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_json))


def _entry_validator(entry: ToolEntry) -> Draft202012Validator:
    # keyed by the definition's sha256 (computed once per entry) instead of serialising the schema on every call
    v = _by_sha.get(entry.sha256) if entry.sha256 else None
    if v is None:
        v = _validator(canonical_json(entry.input_schema or {"type": "object"}))
        if entry.sha256:
            if len(_by_sha) >= 4096:
                _by_sha.clear()
            _by_sha[entry.sha256] = v
    return v


_by_sha: dict[str, Draft202012Validator] = {}


def argument_errors(entry: ToolEntry, arguments: dict[str, Any]) -> list[str]:
    """jsonschema violations of `arguments` against the tool's input schema (empty when valid)."""
    v = _entry_validator(entry)
    return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in v.iter_errors(arguments)][:5]


__all__ = [
    "PROVIDER_NAME",
    "SDK_NAME",
    "Catalog",
    "ToolEntry",
    "argument_errors",
    "canonical_json",
    "exposed_name",
    "schema_problems",
    "tool_sha256",
]
