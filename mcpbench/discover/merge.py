"""`discover --add`: append found servers to servers.yaml, round-trip, keeping the user's comments and order.

A found server is a duplicate (skipped) when servers.yaml already has one that launches the same thing: the same
URL, the same command (by program name) and arguments, or the same installed package. A different server whose name
is taken gets a suffix (-2, -3...). The result is validated as a whole before the file is replaced.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from mcpbench.config import ConfigError, ServerSpec, parse_config
from mcpbench.discover.model import DiscoveredServer

_NEW_FILE = "# MCP servers for mcpbench (see docs/discovery.md)\nversion: 1\nservers: []\n"


@dataclass
class MergeReport:
    added: list[tuple[str, str]] = field(default_factory=list)
    """(name in servers.yaml, where it was found)."""
    skipped: list[tuple[str, str]] = field(default_factory=list)
    """(found name, why it was not added)."""
    path: Path | None = None


def _program(command: str | None) -> str:
    if not command:
        return ""
    return re.sub(r"\.(exe|cmd|bat)$", "", PurePath(command.replace("\\", "/")).name, flags=re.IGNORECASE)


def _identity(d: dict[str, Any]) -> tuple[str, ...]:
    if d.get("url"):
        return ("url", str(d["url"]).rstrip("/"))
    return ("cmd", _program(d.get("command")), *[str(a) for a in d.get("args") or []])


def _package(d: dict[str, Any]) -> str | None:
    """The PyPI/npm package an entry installs or runs through npx/uvx (normalised), if any."""
    inst = d.get("install")
    if not isinstance(inst, dict):
        return _launched_package(d)
    ref = inst.get("pypi") or inst.get("npm")
    return _norm_pkg(str(ref)) if ref else None


def _launched_package(d: dict[str, Any]) -> str | None:
    """The package an `npx -y PKG` / `uvx PKG` / `pipx run PKG` line runs, so it matches an installed entry."""
    prog = _program(d.get("command"))
    args = [str(a) for a in d.get("args") or []]
    if prog == "pipx" and args[:1] == ["run"]:
        args = args[1:]
    elif prog not in ("npx", "uvx", "bunx", "pnpx"):
        return None
    for i, a in enumerate(args):
        if a in ("--from", "--package", "-p", "--with", "--python"):
            return _norm_pkg(args[i + 1]) if a in ("--from", "--package", "-p") and i + 1 < len(args) else None
        if not a.startswith("-"):
            return _norm_pkg(a)
    return None


def _norm_pkg(ref: str) -> str | None:
    m = re.match(r"(@[^/@\s]+/[^@=<>!~ \[]+|[^@=<>!~ \[]+)", ref)
    return re.sub(r"[-_.]+", "-", m.group(1)).lower() if m else None


def _yaml_for(text: str) -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    m = re.search(r"^servers:\s*\n(?:\s*#.*\n|\s*\n)*( *)- ", text, re.MULTILINE)
    offset = len(m.group(1)) if m else 2
    yaml.indent(mapping=2, sequence=offset + 2, offset=offset)
    return yaml


def _entry(spec: ServerSpec) -> CommentedMap:
    data = spec.model_dump(mode="json", exclude_defaults=True, by_alias=True)
    data["name"] = spec.name
    order = ["name", "transport", "command", "args", "url", "headers", "env", "cwd", "install", "description"]
    cm = CommentedMap()
    for key in order + [k for k in data if k not in order]:
        if key not in data:
            continue
        value = data[key]
        if key in ("args", "install", "tags") and value:  # short lists and maps read best on one line
            value = CommentedSeq(value) if isinstance(value, list) else CommentedMap(value)
            value.fa.set_flow_style()
        cm[key] = value
    return cm


def _unique_name(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        cand = base[: 32 - len(suffix)] + suffix
        if cand not in taken:
            return cand
        n += 1


def merge_into_config(found: list[DiscoveredServer], path: Path) -> MergeReport:
    """Append `found` to servers.yaml at `path` (created when missing). Raises ConfigError if the file is broken."""
    text = path.read_text(encoding="utf-8") if path.exists() else _NEW_FILE
    yaml = _yaml_for(text)
    try:
        doc = yaml.load(text)
    except YAMLError as e:
        raise ConfigError(f"{path}: invalid YAML, not touching it: {e}") from None
    if doc is None:
        doc = yaml.load(_NEW_FILE)
    if not isinstance(doc, CommentedMap):
        raise ConfigError(f"{path}: the file must be a mapping with a 'servers' list; not touching it")
    if doc.get("servers") is None:
        doc["servers"] = CommentedSeq()
    servers = doc["servers"]
    if not isinstance(servers, CommentedSeq):
        raise ConfigError(f"{path}: 'servers' must be a list; not touching it")

    existing = [dict(s) for s in servers if isinstance(s, dict)]
    taken = {str(s.get("name")) for s in existing}
    identities = {_identity(s): str(s.get("name")) for s in existing}
    packages = {p: str(s.get("name")) for s in existing if (p := _package(s))}
    report = MergeReport(path=path)
    for server in found:
        try:
            spec = server.to_spec()
        except ValidationError as e:
            report.skipped.append((server.name, f"not a valid servers.yaml entry: {e.errors()[0]['msg']}"))
            continue
        raw = spec.model_dump(mode="json", by_alias=True)
        ident = _identity(raw)
        pkg = _package(raw)
        if ident in identities:
            report.skipped.append((server.name, f"already configured as '{identities[ident]}'"))
            continue
        if pkg and pkg in packages:
            report.skipped.append((server.name, f"package already configured as '{packages[pkg]}'"))
            continue
        name = _unique_name(spec.name, taken)
        spec = spec.model_copy(update={"name": name})
        servers.append(_entry(spec))
        note = f"found by mcpbench discover: {server.source}"
        servers.yaml_set_comment_before_after_key(len(servers) - 1, before=note, indent=yaml.sequence_dash_offset)
        taken.add(name)
        identities[ident] = name
        if pkg:
            packages[pkg] = name
        report.added.append((name, server.source))

    if not report.added:
        return report
    buf = io.StringIO()
    yaml.dump(doc, buf)
    out = buf.getvalue()
    parse_config(out, str(path))  # never write a file mcpbench itself would refuse
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return report


__all__ = ["MergeReport", "merge_into_config"]
