"""Schemas: tool names, input/output schemas, provider acceptance, descriptions, and whether structured results
conform to the declared output schema. Pure judges over the listed tools (and the robustness calls)."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from jsonschema.validators import validator_for

from mcpbench.catalog import PROVIDER_NAME, SDK_NAME, ToolEntry, schema_problems
from mcpbench.check.model import Observations, Verdict, check

MIN_DESCRIPTION = 20
"""Characters below which a tool description tells a model too little to choose the tool."""


def json_schema_error(schema: Any) -> str | None:
    """Why `schema` is not a valid JSON Schema (under its own $schema dialect), or None."""
    if not isinstance(schema, dict):
        return "not a JSON object"
    try:
        validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as e:
        return e.message[:200]
    return None


def input_schema_problem(schema: Any) -> str | None:
    """Why an inputSchema is unusable (invalid JSON Schema or not an object root), or None."""
    if not isinstance(schema, dict):
        return "inputSchema is not a JSON object"
    if schema.get("type") != "object":
        return f"root type is {schema.get('type')!r}, not 'object'"
    err = json_schema_error(schema)
    return f"not valid JSON Schema: {err}" if err else None


def output_schema_problem(schema: Any) -> str | None:
    """Why a declared outputSchema is unusable (the MCP spec wants an object root), or None."""
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return f"root type is {schema.get('type') if isinstance(schema, dict) else schema!r}, not 'object'"
    err = json_schema_error(schema)
    return f"not valid JSON Schema: {err}" if err else None


_VALIDITY_PREFIXES = ("inputSchema is not an object", "inputSchema root type", "inputSchema is not valid JSON Schema")


def provider_problems(schema: dict[str, Any]) -> list[str]:
    """Provider rejections beyond basic validity (those are schemas.input_schema's)."""
    return [p for p in schema_problems(schema) if not p.startswith(_VALIDITY_PREFIXES)]


def strict_mode_problems(schema: Any, path: str = "") -> list[str]:
    """Why OpenAI strict mode (structured outputs for function calling) would refuse this schema."""
    out: list[str] = []
    if not isinstance(schema, dict):
        return out
    if schema.get("type") == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False:
            out.append(f"{path or '/'}: additionalProperties is not false")
        missing = [k for k in props if k not in (schema.get("required") or [])]
        if missing:
            out.append(f"{path or '/'}: optional properties {missing} (strict mode requires all)")
        for k, v in props.items():
            out += strict_mode_problems(v, f"{path}/{k}")
    if isinstance(schema.get("items"), dict):
        out += strict_mode_problems(schema["items"], f"{path}/items")
    return out


def _tools(obs: Observations) -> list[ToolEntry]:
    return obs.tools


def _unique(obs: Observations) -> list[ToolEntry]:
    seen: set[str] = set()
    out = []
    for tl in obs.tools:
        if tl.name not in seen:
            seen.add(tl.name)
            out.append(tl)
    return out


@check("schemas.tool_name", category="schemas", severity="error", title="Tool names (MCP rule)",
       why="The MCP spec restricts names to ^[A-Za-z0-9._-]{1,128}$; other names break clients and routing.",
       hint="Rename tools to letters, digits, '_', '-' and '.' only, at most 128 characters.")
def _name(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    bad = [tl.name for tl in _unique(obs) if not SDK_NAME.fullmatch(tl.name)]
    if bad:
        return Verdict("fail", f"{len(bad)} name(s) break ^[A-Za-z0-9._-]{{1,128}}$", [repr(n) for n in bad])
    return Verdict("pass", f"{len(_unique(obs))} names follow the MCP rule")


@check("schemas.tool_name_provider", category="schemas", severity="warn", title="Tool names (OpenAI/Anthropic)",
       why="OpenAI and Anthropic accept only ^[a-zA-Z0-9_-]{1,64}$: clients that pass names through fail, others "
           "must rename your tools and models see different names.",
       hint="Avoid '.' and keep names within 64 characters.")
def _name_provider(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    bad = [tl.name for tl in _unique(obs) if SDK_NAME.fullmatch(tl.name) and not PROVIDER_NAME.fullmatch(tl.name)]
    if bad:
        return Verdict("warn", f"{len(bad)} name(s) break ^[a-zA-Z0-9_-]{{1,64}}$", [repr(n) for n in bad])
    return Verdict("pass", "every name is accepted by OpenAI and Anthropic as is")


@check("schemas.duplicate_names", category="schemas", severity="error", title="Unique tool names",
       why="Two tools with one name: a client can offer only one of them, and which one is undefined.",
       hint="Give every tool a distinct name.")
def _duplicates(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    counts: dict[str, int] = {}
    for tl in obs.tools:
        counts[tl.name] = counts.get(tl.name, 0) + 1
    dups = {n: c for n, c in counts.items() if c > 1}
    if dups:
        return Verdict("fail", f"{len(dups)} name(s) listed more than once", [f"{n!r} × {c}" for n, c in dups.items()])
    return Verdict("pass", "all names distinct")


@check("schemas.input_schema", category="schemas", severity="error", title="Input schemas",
       why="inputSchema must be a valid JSON Schema whose root is an object: it is what models fill in.",
       hint="Declare inputSchema as {\"type\": \"object\", \"properties\": {...}} (an empty object for no arguments).")
def _input(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    bad = [f"{tl.name}: {p}" for tl in _unique(obs) if (p := input_schema_problem(tl.input_schema))]
    if bad:
        return Verdict("fail", f"{len(bad)} unusable input schema(s)", bad)
    return Verdict("pass", "every input schema is a valid object schema")


@check("schemas.provider_acceptance", category="schemas", severity="error", title="Accepted by model providers",
       why="OpenAI rejects arrays without 'items'; both providers reject oneOf/anyOf/allOf at the root. One such tool "
           "makes every request that offers it fail.",
       hint="Give every array an 'items' schema; express alternatives inside properties, not at the root.")
def _providers(obs: Observations) -> Verdict:
    usable = [tl for tl in _unique(obs) if input_schema_problem(tl.input_schema) is None]
    if not usable:
        return Verdict("skip", "no usable input schema to judge")
    bad = [f"{tl.name}: {p}" for tl in usable for p in provider_problems(tl.input_schema)]
    if bad:
        return Verdict("fail", f"{len({b.split(':')[0] for b in bad})} tool(s) would be rejected", bad)
    return Verdict("pass", f"{len(usable)} schemas accepted by OpenAI and Anthropic")


@check("schemas.openai_strict", category="schemas", severity="info", title="OpenAI strict mode",
       why="Clients that enable OpenAI strict function calling need closed objects with every property required.",
       hint="")
def _strict(obs: Observations) -> Verdict:
    usable = [tl for tl in _unique(obs) if input_schema_problem(tl.input_schema) is None]
    if not usable:
        return Verdict("skip", "no usable input schema to judge")
    ok = [tl for tl in usable if not strict_mode_problems(tl.input_schema)]
    details = [f"{tl.name}: {strict_mode_problems(tl.input_schema)[0]}" for tl in usable if tl not in ok]
    return Verdict("info", f"{len(ok)} of {len(usable)} schemas usable in strict mode as they are", details)


@check("schemas.tool_descriptions", category="schemas", severity="warn", title="Tool descriptions",
       why="The description is all a model knows about when to use a tool.",
       hint=f"Describe what each tool does, its inputs and its result (at least {MIN_DESCRIPTION} characters).")
def _descriptions(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    bad = [f"{tl.name}: " + ("missing" if not tl.description.strip() else f"only {len(tl.description.strip())} "
                             f"characters: {tl.description.strip()!r}")
           for tl in _unique(obs) if len(tl.description.strip()) < MIN_DESCRIPTION]
    if bad:
        return Verdict("warn", f"{len(bad)} tool(s) without a useful description", bad)
    return Verdict("pass", "every tool is described")


@check("schemas.param_descriptions", category="schemas", severity="warn", title="Parameter descriptions",
       why="Undescribed parameters are where models guess formats and units wrong.",
       hint="Add a 'description' to every property of the input schema (format, unit, example).")
def _params(obs: Observations) -> Verdict:
    usable = [tl for tl in _unique(obs) if input_schema_problem(tl.input_schema) is None]
    if not usable:
        return Verdict("skip", "no usable input schema to judge")
    bad = []
    total = 0
    for tl in usable:
        props = tl.input_schema.get("properties") or {}
        total += len(props)
        missing = [k for k, v in props.items() if not (isinstance(v, dict) and str(v.get("description", "")).strip())]
        if missing:
            bad.append(f"{tl.name}: {', '.join(missing)}")
    if bad:
        return Verdict("warn", f"{sum(len(b.split(': ')[1].split(', ')) for b in bad)} of {total} parameters "
                               "undescribed", bad)
    return Verdict("pass", f"all {total} parameters described")


@check("schemas.output_schema", category="schemas", severity="error", title="Output schemas",
       why="A declared outputSchema must be a valid object schema, or clients that validate results reject them all.",
       hint="Declare outputSchema as a valid JSON Schema with \"type\": \"object\".")
def _output(obs: Observations) -> Verdict:
    declared = [tl for tl in _unique(obs) if tl.output_schema is not None]
    if not declared:
        return Verdict("pass" if obs.tools else "skip", "no tool declares an outputSchema" if obs.tools
                       else "no tools listed")
    bad = [f"{tl.name}: {p}" for tl in declared if (p := output_schema_problem(tl.output_schema))]
    if bad:
        return Verdict("fail", f"{len(bad)} invalid output schema(s)", bad)
    return Verdict("pass", f"{len(declared)} valid output schema(s)")


@check("schemas.output_conformance", category="schemas", severity="error", title="Structured results conform",
       why="The SDKs validate structuredContent against outputSchema and turn a mismatch into an error: the tool "
           "becomes unusable for every client that validates.",
       hint="Return structuredContent matching your outputSchema on every successful call.")
def _conformance(obs: Observations) -> Verdict:
    invalid_schema = {tl.name for tl in obs.tools if tl.output_schema is not None
                      and output_schema_problem(tl.output_schema)}  # already schemas.output_schema's finding
    declared = {tl.name for tl in obs.tools if tl.output_schema is not None} - invalid_schema
    recs = [r for r in obs.calls if r.case == "valid" and r.tool in declared]
    if not recs:
        return Verdict("skip", "no call to a tool with a valid outputSchema" if declared else
                       "no tool declares an outputSchema")
    bad = [r for r in recs if r.result == "output_schema_violation"]
    if bad:
        return Verdict("fail", f"{len(bad)} of {len(recs)} results violate the declared outputSchema",
                       [f"{r.tool} ({r.variant}): {r.error}" for r in bad])
    ok = [r for r in recs if r.result == "ok"]
    return Verdict("pass", f"{len(ok)} structured result(s) conform")


__all__ = ["MIN_DESCRIPTION", "input_schema_problem", "json_schema_error", "output_schema_problem", "provider_problems",
           "strict_mode_problems"]
