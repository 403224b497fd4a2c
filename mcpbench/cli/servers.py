"""`mcpbench servers install|list|tools|ping|search`."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import typer
from rich.markup import escape
from rich.table import Table

from mcpbench._loop import run as run_loop
from mcpbench.cli.common import ConfigOpt, JsonOpt, console, err_console, fail, load_or_exit, print_json
from mcpbench.config import FleetConfig, ServerSpec
from mcpbench.process import stderr_hint

servers_app = typer.Typer(help="Install, connect to and inspect the fleet of MCP servers.", no_args_is_help=True)


def _select(cfg: FleetConfig, names: list[str] | None) -> list[ServerSpec]:
    try:
        return cfg.select(names or None)
    except KeyError as e:
        fail(str(e.args[0]))
        raise AssertionError from None


@servers_app.command("install")
def install_cmd(names: list[str] | None = typer.Argument(None, help="Servers to install (default: all enabled)."),
                config: Path | None = ConfigOpt, force: bool = typer.Option(False, help="Reinstall."),
                json_out: bool = JsonOpt) -> None:
    """Install each server in its own environment under MCPBENCH_HOME (idempotent). A `uvx PKG` / `npx -y PKG`
    entry is installed as a pinned binary and launched by it from then on."""
    from mcpbench.install import install_servers

    specs = _select(load_or_exit(config), names)
    results = install_servers(specs, force=force, on_event=None if json_out else
                              (lambda msg: err_console.print(f"[dim]{msg}[/]", highlight=False)))
    rows = [r.model_dump(mode="json") if hasattr(r, "model_dump") else dict(r) for r in results]
    if json_out:
        print_json(rows)
    else:
        t = Table(title="mcpbench servers install")
        for col in ("name", "kind", "status", "seconds", "error"):
            t.add_column(col)
        for r in rows:
            style = "red" if r.get("status") == "failed" else ""
            t.add_row(str(r.get("name")), str(r.get("kind")), f"[{style}]{r.get('status')}[/]" if style else
                      str(r.get("status")), f"{r.get('seconds', 0):.1f}", (r.get("error") or "")[-200:])
        console.print(t)
    if any(r.get("status") == "failed" for r in rows):
        raise typer.Exit(1)


async def _with_fleet(specs: list[ServerSpec], fn: Any) -> Any:
    from mcpbench.fleet import Fleet

    async with Fleet.open(specs) as fleet:
        return await fn(fleet)


@servers_app.command("list")
def list_cmd(names: list[str] | None = typer.Argument(None), config: Path | None = ConfigOpt,
             json_out: bool = JsonOpt) -> None:
    """Connect to every server concurrently and report status, tool counts, versions and connect times."""
    specs = _select(load_or_exit(config), names)
    t0 = time.perf_counter()

    async def go(fleet: Any) -> list[dict[str, Any]]:
        return fleet.summary()

    rows = run_loop(_with_fleet, specs, go)
    total_s = time.perf_counter() - t0
    if json_out:
        print_json(rows)
        return
    t = Table(title=f"{len(rows)} servers · {sum(r['tools'] for r in rows)} tools · {total_s:.1f}s")
    for col in ("name", "transport", "status", "tools", "version", "connect ms", "error"):
        t.add_column(col, overflow="fold")
    for r in rows:
        ok = r["status"] == "connected"
        said = f"\n[dim]{escape((r['stderr_tail'] or '')[-300:])}[/]" if r.get("stderr_tail") else ""
        said += f"\n[yellow]{escape(hint)}[/]" if (hint := stderr_hint(r.get("stderr_tail"))) else ""
        t.add_row(r["name"], r["transport"], "[green]connected[/]" if ok else "[red]failed[/]", str(r["tools"]),
                  r["version"] or "", f"{r['connect_ms']:.0f}" if r["connect_ms"] else "",
                  escape(r["error"] or "") + said)
    console.print(t)


@servers_app.command("tools")
def tools_cmd(server: str | None = typer.Argument(None, help="Only this server's tools."),
              config: Path | None = ConfigOpt, json_out: bool = JsonOpt,
              quarantined: bool = typer.Option(False, "--quarantined", help="Only quarantined tools."),
              refresh: bool = typer.Option(False, "--refresh", help="List every server live, ignoring the catalog "
                                           "cache (and refreshing it).")) -> None:
    """List the tools of the fleet with their exposed names and definition hashes (from the catalog cache where
    a server's spec has a record; see docs/discovery.md)."""
    from mcpbench.catalog_cache import fleet_catalog

    cfg = load_or_exit(config)
    specs = _select(cfg, [server] if server else None)
    catalog, failed, _live = run_loop(partial(fleet_catalog, specs, refresh=refresh))
    for name, why in sorted(failed.items()):
        err_console.print(f"[yellow]warning:[/] server {escape(name)} not listed: {escape(why)}", highlight=False)
    rows: list[dict[str, Any]] = [
        {"server": e.server, "name": e.name, "exposed_name": e.exposed_name, "description": e.description,
         "input_schema": e.input_schema, "output_schema": e.output_schema, "sha256": e.sha256,
         "quarantined": e.quarantined, "flags": e.flags}
        for e in catalog.entries(include_quarantined=True)
        if not quarantined or e.quarantined]
    if json_out:
        print_json(rows)
        return
    t = Table(title=f"{len(rows)} tools")
    for col in ("server", "tool", "exposed name", "description", "sha256"):
        t.add_column(col, overflow="fold")
    for r in rows:
        desc = (r["description"] or "").strip().splitlines()[0][:80] if r["description"] else ""
        if r["quarantined"]:
            desc = f"[red]quarantined: {r['quarantined']}[/]"
        elif r["flags"]:
            desc = f"[yellow]security flags: {len(r['flags'])}[/] " + desc
        t.add_row(r["server"], r["name"], r["exposed_name"], desc, r["sha256"][:12])
    console.print(t)


@servers_app.command("ping")
def ping_cmd(names: list[str] | None = typer.Argument(None), config: Path | None = ConfigOpt,
             json_out: bool = JsonOpt) -> None:
    """Connect and send an MCP ping to each server; report round-trip times."""
    specs = _select(load_or_exit(config), names)

    async def go(fleet: Any) -> list[dict[str, Any]]:
        rows = []
        for name, st in fleet.status.items():
            row = {"name": name, "status": st.status, "ping_ms": None,
                   "error": st.why() if st.status == "failed" else st.error,
                   "stderr_tail": st.stderr_tail if st.status == "failed" else None}
            conn = fleet.connection(name)
            if conn is not None and conn.alive:
                try:
                    with anyio.fail_after(10):
                        t0 = time.perf_counter()
                        await conn.client.send_ping()
                        row["ping_ms"] = round((time.perf_counter() - t0) * 1000, 2)
                except Exception as e:
                    row.update(status="failed", error=f"ping failed: {e!r}")
            elif st.stateful and st.status != "failed":
                row["error"] = "stateful: started per episode (handshake verified at connect)"
            rows.append(row)
        return rows

    rows = run_loop(_with_fleet, specs, go)
    if json_out:
        print_json(rows)
    else:
        t = Table(title="mcpbench servers ping")
        for col in ("name", "status", "ping ms", "note"):
            t.add_column(col)
        for r in rows:
            t.add_row(r["name"], r["status"], str(r["ping_ms"] or ""), escape(r["error"] or ""))
        console.print(t)
    if any(r["status"] == "failed" for r in rows):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    from mcpbench.cli.servers_search import register_search

    register_search(servers_app)
    app.add_typer(servers_app, name="servers")
