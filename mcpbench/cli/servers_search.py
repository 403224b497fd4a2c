"""`mcpbench servers search "QUERY"`: rank every tool of the fleet against a plain-language query."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from mcpbench._loop import run as run_loop
from mcpbench.catalog import ToolEntry
from mcpbench.catalog_cache import fleet_catalog
from mcpbench.cli.common import ConfigOpt, JsonOpt, console, err_console, fail, load_or_exit, print_json
from mcpbench.config import ServerSpec
from mcpbench.search import RANKERS, SearchHit, rank_tools


async def fleet_tools(specs: list[ServerSpec], refresh: bool = False) -> tuple[list[ToolEntry], dict[str, str]]:
    """The fleet's tools (from the catalog cache where a server's spec has a record, else connecting it under its
    connect deadline) and the failures."""
    catalog, failed, _live = await fleet_catalog(specs, refresh=refresh)
    return catalog.entries(), failed


def _table(query: str, hits: list[SearchHit]) -> Table:
    table = Table(title=f"tools for “{escape(query)}”", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("tool")
    table.add_column("server")
    table.add_column("score", justify="right")
    table.add_column("description", overflow="fold", max_width=70)
    for i, h in enumerate(hits, 1):
        desc = h.description.strip().splitlines()[0] if h.description.strip() else ""
        table.add_row(str(i), escape(h.name), escape(h.server), f"{h.score:.3f}", escape(desc))
    return table


def search_command(
    query: str = typer.Argument(..., help="What you want a tool for, in plain words."),
    top: int = typer.Option(10, "--top", "-k", min=1, help="How many tools to show."),
    json_out: bool = JsonOpt,
    ranker: str = typer.Option("bm25", "--ranker", help=f"Ranking method: {', '.join(sorted(RANKERS))}."),
    config: Path | None = ConfigOpt,
    server: list[str] | None = typer.Option(None, "--server", "-s", help="Search only these servers."),
    refresh: bool = typer.Option(False, "--refresh", help="List every server live, ignoring the catalog cache."),
) -> None:
    """Search the tools of every server in servers.yaml (listed from the catalog cache, else live)."""
    if ranker not in RANKERS:
        fail(f"unknown ranker '{ranker}' (have: {', '.join(sorted(RANKERS))})")
    cfg = load_or_exit(config)
    try:
        specs = cfg.select(server)
    except KeyError as e:
        fail(str(e.args[0]))
        return
    entries, failed = run_loop(fleet_tools, specs, refresh)
    for name, why in sorted(failed.items()):
        err_console.print(f"[yellow]warning:[/] server {escape(name)} not searched: {escape(why)}", highlight=False)
    try:
        hits = rank_tools(entries, query, top_k=top, ranker=ranker)
    except (ValueError, RuntimeError) as e:
        fail(str(e))
        return
    if json_out:
        print_json([h.model_dump(mode="json") for h in hits])
    elif hits:
        console.print(_table(query, hits))
    else:
        console.print(f"No tool matches “{escape(query)}” among {len(entries)} tools.", highlight=False)


def register_search(servers_app: typer.Typer) -> None:
    servers_app.command("search")(search_command)


__all__ = ["fleet_tools", "register_search", "search_command"]
