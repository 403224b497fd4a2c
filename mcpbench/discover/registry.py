"""MCP registry `server.json` documents (2025-12-11 camelCase schema and the older snake_case one) and listings.

A server.json describes how to get a server, not one launch line: every package (npm, pypi, oci) and every remote
becomes one DiscoveredServer. Values the user must supply (isSecret, isRequired, {templates}) become ${VAR} references.
"""

from __future__ import annotations

import re
from typing import Any

from mcpbench.discover.formats import ParseContext, config_format
from mcpbench.discover.model import DiscoveredServer, from_entry
from mcpbench.discover.secrets import var_name

_ALIASES = {"registry_name": "registryType", "transport_type": "type"}
_TEMPLATE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_.-]*)\}")
_RUNNERS = {"npm": "npx", "pypi": "uvx", "oci": "docker", "nuget": "dnx"}


def _camel(key: str) -> str:
    if key in _ALIASES:
        return _ALIASES[key]
    head, *rest = key.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def normalize(doc: Any) -> Any:
    """snake_case keys (older schema) -> camelCase (2025-12-11 schema), recursively; values untouched."""
    if isinstance(doc, dict):
        return {(k if k.startswith(("$", "_")) else _camel(k)): normalize(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [normalize(x) for x in doc]
    return doc


def is_server_json(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    schema = str(doc.get("$schema", ""))
    return "server.schema" in schema or (
        "name" in doc and (isinstance(doc.get("packages"), list) or isinstance(doc.get("remotes"), list)))


def is_listing(doc: Any) -> bool:
    """The registry API's GET /v0.1/servers answer: {servers: [{server: {...}, _meta: {...}}], metadata}."""
    return isinstance(doc, dict) and isinstance(doc.get("servers"), list) and all(
        isinstance(x, dict) and ("server" in x or is_server_json(x)) for x in doc["servers"])


def _fill(value: str, variables: dict[str, Any]) -> str:
    """'{token}' templates -> the variable's non-secret default, else a ${TOKEN} reference."""

    def sub(m: re.Match[str]) -> str:
        spec = variables.get(m.group(1)) or {}
        if isinstance(spec, dict) and spec.get("default") is not None and not spec.get("isSecret"):
            return str(spec["default"])
        return "${" + var_name(m.group(1)) + "}"

    return _TEMPLATE.sub(sub, value)


def _input_value(item: dict[str, Any], fallback_var: str) -> str | None:
    """The value an Input gives (value, default, or a ${VAR} when required or secret); None when optional and empty."""
    variables = item.get("variables") or {}
    if item.get("isSecret"):
        return "${" + var_name(fallback_var) + "}"
    for key in ("value", "default"):
        if item.get(key) is not None:
            return _fill(str(item[key]), variables)
    if item.get("isRequired"):
        return "${" + var_name(str(item.get("valueHint") or fallback_var)) + "}"
    return None


def _arguments(items: Any) -> list[str]:
    out: list[str] = []
    for i, arg in enumerate(items or []):
        if not isinstance(arg, dict):
            continue
        if arg.get("type") == "named":
            flag = str(arg.get("name") or "")
            value = _input_value(arg, flag.lstrip("-") or f"arg{i}")
            if value is not None:
                out += [flag, value]
            elif arg.get("isRequired") and flag:
                out.append(flag)
        else:
            value = _input_value(arg, str(arg.get("valueHint") or f"arg{i}"))
            if value is not None:
                out.append(value)
    return out


def _env(items: Any) -> dict[str, str]:
    env: dict[str, str] = {}
    for var in items or []:
        if isinstance(var, dict) and var.get("name"):
            value = _input_value(var, str(var["name"]))
            if value is not None:
                env[str(var["name"])] = value
    return env


def _headers(items: Any) -> dict[str, str]:
    if isinstance(items, dict):
        return {str(k): str(v) for k, v in items.items()}
    out: dict[str, str] = {}
    for h in items or []:
        if isinstance(h, dict) and h.get("name"):
            value = _input_value({**h, "isSecret": False} if h.get("value") else h, f"{h['name']}")
            if value is not None:
                out[str(h["name"])] = value
    return out


def _package_entry(pkg: dict[str, Any]) -> dict[str, Any] | None:
    """A launch line through the package's runner (npx, uvx, docker...), as registry clients run it."""
    kind = str(pkg.get("registryType") or "").lower()
    ident = pkg.get("identifier") or pkg.get("name")
    if not ident or kind not in _RUNNERS:
        return None
    version = pkg.get("version")
    runner = str(pkg.get("runtimeHint") or _RUNNERS[kind])
    env = _env(pkg.get("environmentVariables"))
    runtime = _arguments(pkg.get("runtimeArguments"))
    if kind == "npm":
        ref = f"{ident}@{version}" if version else str(ident)
        lead = runtime or (["-y"] if runner == "npx" else [])
    elif kind == "pypi":
        ref = f"{ident}=={version}" if version else str(ident)
        lead = runtime
    elif kind == "oci":
        ref = f"{ident}:{version}" if version and ":" not in str(ident).rsplit("/", 1)[-1] else str(ident)
        lead = ["run", "-i", "--rm", *[x for name in env for x in ("-e", name)], *runtime] if runner == "docker" \
            else runtime
    else:
        ref = f"{ident}@{version}" if version else str(ident)
        lead = runtime
    declared = pkg.get("transport")
    transport: dict[str, Any] = declared if isinstance(declared, dict) else {}
    entry: dict[str, Any] = {"command": runner, "args": [*lead, ref, *_arguments(pkg.get("packageArguments"))],
                             "env": env, "type": transport.get("type") or "stdio"}
    if transport.get("url"):
        entry["url"] = _fill(str(transport["url"]), {})
        entry["headers"] = _headers(transport.get("headers"))
    return entry


def parse_server_json(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """Every package and remote of one server.json document (either schema)."""
    doc = normalize(doc)
    name = str(doc.get("name") or "server")
    desc = str(doc.get("description") or "")
    options: list[tuple[str, dict[str, Any]]] = []
    for pkg in doc.get("packages") or []:
        built = _package_entry(pkg) if isinstance(pkg, dict) else None
        if built is None:
            kind = pkg.get("registryType") if isinstance(pkg, dict) else pkg
            ctx.issues.append(f"{ctx.source}: {name}: package {kind} cannot be launched from a command line; skipped")
            continue
        options.append((str(pkg.get("registryType")).lower(), built))
    for remote in doc.get("remotes") or []:
        if isinstance(remote, dict) and remote.get("url"):
            options.append(("remote", {"type": remote.get("type") or "streamable-http", "url": _fill(remote["url"], {}),
                                       "headers": _headers(remote.get("headers"))}))
    out = []
    for i, (label, entry) in enumerate(options):
        suffix = "" if len(options) == 1 or i == 0 else f"-{label}"
        if suffix and any(lbl == label for lbl, _ in options[:i]):
            suffix += f"-{i + 1}"
        found = from_entry(name + suffix, entry, source=ctx.source, kind=ctx.kind, scope=ctx.scope, description=desc)
        if found is not None:
            out.append(found)
    return out


@config_format("server-json")
def parse_registry(doc: Any, ctx: ParseContext) -> list[DiscoveredServer]:
    """A server.json, a list of them, or a registry listing ({servers: [{server: ...}]})."""
    if is_listing(doc):
        docs = [x.get("server", x) for x in doc["servers"]]
    elif isinstance(doc, list):
        docs = doc
    else:
        docs = [doc]
    return [s for d in docs if is_server_json(normalize(d)) for s in parse_server_json(d, ctx)]


__all__ = ["is_listing", "is_server_json", "normalize", "parse_registry", "parse_server_json"]
