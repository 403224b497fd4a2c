"""`mcpbench discover`: list the MCP servers other clients know about, optionally probe them and add them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from mcpbench._loop import run as run_loop
from mcpbench.cli.common import console, err_console, fail, print_json
from mcpbench.config import ConfigError
from mcpbench.discover import DiscoveredServer, ProbeResult, SourceError, discover, merge_into_config, probe
from mcpbench.discover.secrets import mask

FromOpt = typer.Option(None, "--from", help="Read only this file (client config, server.json, registry listing). "
                                            "Repeatable.", exists=True, dir_okay=False)


def _short(text: str) -> str:
    home = str(Path.home())
    return text.replace(home + os.sep, "~" + os.sep) if home not in ("", os.sep) else text


def _row(s: DiscoveredServer, p: ProbeResult | None) -> list[str]:
    row = [escape(s.name) + ("" if s.enabled else " [dim](disabled)[/]"), s.transport,
           escape(_short(mask(s.target()))), escape(_short(s.source))]
    if p is not None:
        colour = {"connected": "green", "failed": "red", "skipped": "yellow"}[p.status]
        detail = f"{p.tools} tools" if p.status == "connected" else escape(p.error or "")
        row += [f"[{colour}]{p.status}[/]", detail]
    return row


def _table(servers: list[DiscoveredServer], probes: list[ProbeResult] | None) -> Table:
    table = Table(title=f"{len(servers)} MCP server(s) found", title_justify="left")
    for col in ("name", "transport", "command or URL", "source"):
        table.add_column(col, overflow="fold")
    if probes is not None:
        table.add_column("probe")
        table.add_column("tools / why", overflow="fold")
    for i, s in enumerate(servers):
        table.add_row(*_row(s, probes[i] if probes is not None else None))
    return table


def _json(servers: list[DiscoveredServer], probes: list[ProbeResult] | None, issues: list[str],
          added: list[dict[str, str]] | None) -> dict[str, Any]:
    items = []
    for i, s in enumerate(servers):
        d = s.model_dump(mode="json")
        d["spec_name"] = s.spec_name()
        if probes is not None:
            d["probe"] = probes[i].model_dump(mode="json")
        items.append(d)
    out: dict[str, Any] = {"servers": items, "issues": issues}
    if added is not None:
        out["added"] = added
    return out


def discover_command(
    from_: list[Path] | None = FromOpt,
    json_out: bool = typer.Option(False, "--json", help="Machine-readable JSON on stdout."),
    probe_: bool = typer.Option(False, "--probe", help="Connect to each server (concurrently, under deadlines)."),
    timeout: float = typer.Option(20.0, "--timeout", min=1.0, help="Seconds each --probe connection may take."),
    add: bool = typer.Option(False, "--add", help="Append the servers found to servers.yaml (comments kept)."),
    config: Path | None = typer.Option(None, "--config", "-c", envvar="MCPBENCH_CONFIG",
                                          help="servers.yaml that --add writes (default ./servers.yaml)."),
    installed: bool = typer.Option(True, "--installed/--no-installed",
                                   help="Also list installed Python/npm packages that provide MCP servers."),
) -> None:
    """Find MCP servers in Claude Desktop, Claude Code, Cursor, VS Code, Windsurf, Zed, Gemini CLI, Goose and other
    clients' configs, registry server.json files and installed packages. Secrets are shown as ${VAR} references."""
    try:
        result = discover(files=from_ or [], installed=installed)
    except SourceError as e:
        fail(str(e))
        return
    servers = result.servers
    probes = run_loop(lambda: probe(servers, timeout=timeout)) if probe_ and servers else None
    added: list[dict[str, str]] | None = None
    report = None
    if add:
        target = config or Path("servers.yaml")
        try:
            report = merge_into_config(servers, target)
        except ConfigError as e:
            fail(str(e))
            return
        added = [{"name": n, "source": src} for n, src in report.added]
    if json_out:
        print_json(_json(servers, probes, result.issues, added))
    else:
        if servers:
            console.print(_table(servers, probes))
        else:
            where = ", ".join(map(str, from_)) if from_ else f"{len(result.scanned)} locations"
            console.print(f"No MCP servers found ({where} looked at).")
        needed = sorted({v for s in servers for v in s.secrets if v not in os.environ})
        if needed:
            console.print("Set these variables before connecting (secrets and required inputs became ${VAR} "
                          "references): " + ", ".join(needed), highlight=False)
        if report is not None:
            for name, src in report.added:
                console.print(f"[green]added[/] {name}  ({src})", highlight=False)
            for name, why in report.skipped:
                console.print(f"[dim]skipped[/] {name}: {why}", highlight=False)
            console.print(f"{len(report.added)} server(s) added to {report.path}", highlight=False)
    for issue in result.issues:
        err_console.print(f"[yellow]warning:[/] {issue}", highlight=False)


def register(app: typer.Typer) -> None:
    app.command("discover")(discover_command)


__all__ = ["discover_command", "register"]
