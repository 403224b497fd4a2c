"""Discovery: find MCP servers in other clients' configs, registry server.json files and installed packages.

    result = discover()                      # every known location for this OS + installed packages
    result = discover(files=[Path("x.json")])  # only the given files (`--from`)
    report = merge_into_config(result.servers, Path("servers.yaml"))
    results = await probe(result.servers)    # connect to each, concurrently, under deadlines

Secrets are replaced by ${VAR} references while reading; a DiscoveredServer never holds one in clear.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from mcpbench.discover.formats import FORMATS, SourceError, config_format
from mcpbench.discover.installed import npm_servers, python_servers, venv_servers
from mcpbench.discover.merge import MergeReport, merge_into_config
from mcpbench.discover.model import DiscoveredServer, SourceKind, spec_name
from mcpbench.discover.probe import ProbeResult, probe
from mcpbench.discover.registry import parse_registry
from mcpbench.discover.sources import Location, ScanResult, locations, read_file, scan


def mcpbench_home(home: Path, environ: Mapping[str, str]) -> Path:
    env = environ.get("MCPBENCH_HOME")
    return Path(env).expanduser() if env else home / ".cache" / "mcpbench"


def discover(*, home: Path | None = None, cwd: Path | None = None, platform: str | None = None,
             environ: Mapping[str, str] | None = None, files: Iterable[Path] = (), configs: bool = True,
             installed: bool = True, python_paths: list[str] | None = None) -> ScanResult:
    """Find MCP servers.

    files: read only these (any supported format); no client locations or packages then.
    configs: scan the client config locations of `platform` under `home`/`cwd`.
    installed: also list Python distributions (on `python_paths`, default sys.path; and in $MCPBENCH_HOME/servers/*)
    and npm packages in $MCPBENCH_HOME/npm that provide MCP servers.
    Never raises for a broken source: it becomes an entry of `issues`. Raises SourceError only for a `files` entry
    that cannot be read or holds no servers.
    """
    env = os.environ if environ is None else environ
    home = home or Path(env.get("HOME") or Path.home())
    files = list(files)
    if files:
        result = ScanResult()
        for f in files:
            servers, issues = read_file(f, home=home)
            result.found.append(f)
            result.servers += servers
            result.issues += issues
        return result
    result = scan(locations(home=home, cwd=cwd, platform=platform, environ=env), home=home) if configs else ScanResult()
    if installed:
        mhome = mcpbench_home(home, env)
        result.servers += python_servers(python_paths)
        result.servers += venv_servers(mhome / "servers")
        result.servers += npm_servers(mhome / "npm")
    return result


__all__ = [
    "FORMATS",
    "DiscoveredServer",
    "Location",
    "MergeReport",
    "ProbeResult",
    "ScanResult",
    "SourceError",
    "SourceKind",
    "config_format",
    "discover",
    "locations",
    "mcpbench_home",
    "merge_into_config",
    "parse_registry",
    "probe",
    "read_file",
    "scan",
    "spec_name",
]
