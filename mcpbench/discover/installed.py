"""Installed packages that provide MCP servers: Python distributions and npm packages.

Python: distributions in the current environment and in each `$MCPBENCH_HOME/servers/<name>` venv whose console
scripts look like MCP servers (mcp-server-x, x-mcp, mcp_x...) and that depend on `mcp`/`fastmcp` or carry 'mcp' in
their name. npm: packages under `$MCPBENCH_HOME/npm/node_modules` with a `bin` and an mcp keyword or a dependency on
@modelcontextprotocol/sdk. Each is launched by its installed binary, never through npx/uvx.
"""

from __future__ import annotations

import json
import re
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from mcpbench.config import Install
from mcpbench.discover.model import DiscoveredServer

SDK_DISTS = {"mcp", "mcp-types", "fastmcp", "mcpbench"}
"""Distributions that depend on or are the SDK but are not servers."""
NPM_SDK = "@modelcontextprotocol/sdk"
_NPM_KEYWORDS = {"mcp", "modelcontextprotocol", "model-context-protocol", "mcp-server"}


def _canon(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _tokens(name: str) -> list[str]:
    return [t for t in re.split(r"[-_.]+", name.lower()) if t]


def looks_like_mcp(name: str) -> bool:
    """'mcp-server-time', 'git_mcp', 'mcp-foo' yes; 'mcp' (the SDK's CLI), 'mcpbench' no."""
    toks = _tokens(name.rsplit("/", 1)[-1])
    return "mcp" in toks and len(toks) > 1


def short_name(name: str) -> str:
    """'mcp-server-time' -> 'time', '@modelcontextprotocol/server-memory' -> 'memory', 'git-mcp' -> 'git'."""
    base = name.rsplit("/", 1)[-1]
    for pre in ("mcp-server-", "mcp_server_", "server-", "mcp-", "mcp_"):
        if base.lower().startswith(pre) and len(base) > len(pre):
            base = base[len(pre):]
            break
    for suf in ("-mcp-server", "_mcp_server", "-server-mcp", "-mcp", "_mcp"):
        if base.lower().endswith(suf) and len(base) > len(suf):
            base = base[: -len(suf)]
            break
    return base


def _requires_sdk(dist: metadata.Distribution) -> bool:
    for req in dist.requires or []:
        name, _, marker = req.partition(";")
        if "extra" in marker:
            continue
        m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", name)
        if m and _canon(m.group(1)) in ("mcp", "fastmcp"):
            return True
    return False


def _script_path(prefix: Path, script: str) -> Path | None:
    for cand in (prefix / "bin" / script, prefix / "Scripts" / f"{script}.exe", prefix / "Scripts" / script):
        if cand.is_file():
            return cand
    return None


def python_servers(paths: list[str] | None = None, *, prefix: Path | None = None,
                   source: str | None = None) -> list[DiscoveredServer]:
    """MCP servers among the Python distributions on `paths` (default: sys.path), launched from `prefix`/bin."""
    prefix = prefix or Path(sys.prefix)
    out: list[DiscoveredServer] = []
    seen: set[str] = set()
    dists = metadata.distributions(path=paths) if paths is not None else metadata.distributions()
    for dist in dists:
        dname = dist.metadata["Name"] or ""
        if not dname or _canon(dname) in SDK_DISTS or _canon(dname) in seen:
            continue
        seen.add(_canon(dname))
        if not (_requires_sdk(dist) or looks_like_mcp(dname)):
            continue
        console = sorted((ep for ep in dist.entry_points if ep.group == "console_scripts"), key=lambda ep: ep.name)
        scripts = [(ep.name, short_name(ep.name)) for ep in console if looks_like_mcp(ep.name)]
        if not scripts and looks_like_mcp(dname):
            # a server package whose scripts carry no 'mcp' ("csv", "csv-editor"): its first script, named after
            # the package (aliases of one entry point are one server)
            targets: dict[str, str] = {}
            for ep in console:
                targets.setdefault(ep.value, ep.name)
            scripts = [(script, short_name(dname)) for script in targets.values()][:1]
        for script, name in scripts:
            path = _script_path(prefix, script)
            out.append(DiscoveredServer(
                name=name, transport="stdio", command=str(path) if path else script,
                source=source or f"python:{dname} ({prefix})", source_kind="pypi", scope="package",
                description=str(dist.metadata["Summary"] or ""), install=Install(pypi=f"{dname}=={dist.version}"),
            ))
    return out


def _site_packages(venv: Path) -> list[str]:
    found = sorted(str(p) for p in venv.glob("lib/python*/site-packages") if p.is_dir())
    win = venv / "Lib" / "site-packages"
    return found + ([str(win)] if win.is_dir() else [])


def venv_servers(servers_dir: Path) -> list[DiscoveredServer]:
    """MCP servers installed in the per-server venvs `servers_dir/<name>/` (mcpbench's own install layout)."""
    out: list[DiscoveredServer] = []
    if not servers_dir.is_dir():
        return out
    for venv in sorted(p for p in servers_dir.iterdir() if p.is_dir()):
        site = _site_packages(venv)
        if site:
            out += python_servers(site, prefix=venv, source=str(venv))
    return out


def _bins(pkg: dict[str, Any]) -> dict[str, str]:
    b = pkg.get("bin")
    if isinstance(b, str):
        return {str(pkg.get("name", "")).rsplit("/", 1)[-1]: b}
    return {str(k): str(v) for k, v in b.items()} if isinstance(b, dict) else {}


def _is_npm_server(pkg: dict[str, Any]) -> bool:
    name = str(pkg.get("name") or "")
    if not name or name == NPM_SDK or not _bins(pkg):
        return False
    keywords = {str(k).lower() for k in pkg.get("keywords") or [] if isinstance(k, str)}
    deps = {**(pkg.get("dependencies") or {}), **(pkg.get("peerDependencies") or {})}
    return bool(keywords & _NPM_KEYWORDS) or NPM_SDK in deps or looks_like_mcp(name)


def npm_servers(prefix: Path) -> list[DiscoveredServer]:
    """MCP servers among the npm packages under `prefix/node_modules` (top level and @scope/ packages)."""
    modules = prefix / "node_modules"
    if not modules.is_dir():
        return []
    manifests = sorted([*modules.glob("*/package.json"), *modules.glob("@*/*/package.json")])
    out: list[DiscoveredServer] = []
    for manifest in manifests:
        try:
            pkg = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(pkg, dict) or not _is_npm_server(pkg):
            continue
        bins = _bins(pkg)
        chosen = [b for b in bins if looks_like_mcp(b)] or list(bins)[:1]
        for bin_name in chosen:
            shim = modules / ".bin" / bin_name
            command, args = (str(shim), []) if shim.exists() else ("node", [str(manifest.parent / bins[bin_name])])
            out.append(DiscoveredServer(
                name=short_name(bin_name if looks_like_mcp(bin_name) else pkg["name"]), transport="stdio",
                command=command, args=args, source=f"npm:{pkg['name']} ({prefix})", source_kind="npm",
                scope="package", description=str(pkg.get("description") or ""),
                install=Install(npm=f"{pkg['name']}@{pkg['version']}") if pkg.get("version") else None,
            ))
    return out


__all__ = ["looks_like_mcp", "npm_servers", "python_servers", "short_name", "venv_servers"]
