"""`mcpbench models ...` (providers, endpoints, local models) and `mcpbench try` (one episode on the live fleet)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import anyio
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from mcpbench._loop import run as run_loop
from mcpbench.cli.common import ConfigOpt, JsonOpt, console, err_console, fail, load_or_exit, print_json
from mcpbench.trajectory import ErrorEvent, FinalAnswer, ModelTurn, ToolCallEvent, Trajectory

models_app = typer.Typer(help="Model providers: what is available here, and local models to install.",
                         no_args_is_help=True)

OUTCOME_STYLE = {"ok": "green", "tool_error": "yellow", "model_error": "red", "infra_error": "magenta"}
STATUS_STYLE = {"completed": "green", "max_turns": "yellow", "timeout": "yellow", "model_error": "red",
                "infra_failed": "magenta"}


def _local_info(m: Any) -> dict[str, Any]:
    return m.model_dump(mode="json") if hasattr(m, "model_dump") else {"name": str(m)}


@models_app.command("list")
def list_cmd(as_json: bool = JsonOpt) -> None:
    """Providers, the endpoint variables that are set (names only) and installed local models."""
    from mcpbench.models.registry import configured_endpoints, installed_local_models, known_providers

    providers = known_providers()
    endpoints = configured_endpoints()
    local = [_local_info(m) for m in installed_local_models()]
    if as_json:
        print_json({"providers": [{"prefix": p, "description": d} for p, d in providers.items()],
                    "endpoints": endpoints, "local_models": local})
        return
    table = Table(title="Providers (models are named provider/model)", title_justify="left", box=None)
    table.add_column("prefix", style="cyan", no_wrap=True)
    table.add_column("what it runs")
    for prefix, doc in providers.items():
        table.add_row(f"{prefix}/", escape(doc))
    console.print(table)
    console.print("[bold]Configured endpoints[/] (environment variables set)")
    console.print("  " + (", ".join(endpoints) if endpoints else "[dim]none: only local/ and scripted/ models run[/]"))
    console.print("[bold]Installed local models[/]")
    if not local:
        console.print("  [dim]none (mcpbench models install local/<name>)[/]")
    for m in local:
        flag = "" if m.get("verified", True) else "  [yellow](not verified)[/]"
        size = f"  {m['size'] / 1e9:.2f} GB" if isinstance(m.get("size"), int) else ""
        console.print(f"  {escape(str(m['name']))}{size}{flag}", highlight=False)


def _excerpt(text: str, n: int = 240) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def print_trajectory(traj: Trajectory, out: Console | None = None) -> None:
    """A human-readable rendering of a trajectory: turns, calls with arguments and outcomes, the final answer."""
    out = out or console
    out.print(f"[bold]{escape(traj.model)}[/]  episode {escape(traj.episode_id)}  tools offered: {len(traj.tools)}",
              highlight=False)
    for ev in traj.events:
        if isinstance(ev, ModelTurn):
            retries = f"  [yellow]{len(ev.retries)} retries[/]" if ev.retries else ""
            out.print(f"\n[bold cyan]turn {ev.turn}[/]  [dim]{ev.latency_s:.2f}s  {ev.usage.input_tokens}→"
                      f"{ev.usage.output_tokens} tok[/]{retries}", highlight=False)
            if ev.text and ev.tool_calls:
                out.print(f"  {escape(_excerpt(ev.text, 400))}", highlight=False)
        elif isinstance(ev, ToolCallEvent):
            args = ev.raw_arguments if ev.arguments is None else json.dumps(ev.arguments, ensure_ascii=False)
            style = OUTCOME_STYLE.get(ev.outcome, "white")
            kind = f" {ev.error_kind}" if ev.error_kind else ""
            out.print(f"  → {escape(ev.exposed_name)}({escape(_excerpt(args or '', 160))})  "
                      f"[{style}]{ev.outcome}{kind}[/]  [dim]{ev.latency_s * 1000:.0f} ms[/]", highlight=False)
            shown = ev.content if ev.outcome == "ok" or not ev.error else ev.error
            if shown:
                out.print(f"    [dim]{escape(_excerpt(shown))}[/]", highlight=False)
        elif isinstance(ev, FinalAnswer):
            out.print(f"\n[bold]Answer[/] (turn {ev.turn}):\n{escape(ev.text)}", highlight=False)
        elif isinstance(ev, ErrorEvent):
            out.print(f"\n[bold red]{ev.kind}[/] (turn {ev.turn}): {escape(ev.message)}", highlight=False)
    style = STATUS_STYLE.get(traj.status, "white")
    cost = f"  ${traj.usage.cost_usd:.4f}" if traj.usage.cost_usd is not None else ""
    out.print(f"\n[{style}]{traj.status}[/]  {len(traj.model_turns())} turns, {len(traj.tool_calls())} calls  "
              f"{traj.usage.input_tokens}→{traj.usage.output_tokens} tok{cost}  wall {traj.wall_time_s:.2f}s "
              f"(model {traj.model_time_s:.2f}s, tools {traj.tool_time_s:.2f}s)", highlight=False)


async def _try(provider: Any, specs: list[Any], prompt: str, limits: Any, system: str | None, model: str,
               as_json: bool) -> Trajectory:
    from mcpbench.agent import DEFAULT_SYSTEM, run_episode
    from mcpbench.fleet import Fleet

    episode_id = f"try-{uuid.uuid4().hex[:8]}"
    try:
        async with Fleet.open(specs) as fleet:
            for st in fleet.status.values():
                if st.status != "connected":
                    err_console.print(f"[yellow]warning:[/] server {st.name} is not available: {st.error}",
                                      highlight=False)
            if not as_json:
                err_console.print(f"[dim]{len(fleet.catalog.entries())} tools from "
                                  f"{sum(s.status == 'connected' for s in fleet.status.values())} servers[/]")
            async with fleet.episode(episode_id, servers=[s.name for s in specs],
                                     call_timeout_s=limits.call_timeout_s) as tools:
                return await run_episode(provider, tools, prompt, system_prompt=system or DEFAULT_SYSTEM,
                                         limits=limits, episode_id=episode_id, task_id="try", model_name=model)
    finally:
        with anyio.CancelScope(shield=True):
            await provider.aclose()


def try_cmd(
    prompt: str = typer.Argument(..., help="What to ask the model."),
    model: str = typer.Option(..., "--model", "-m", help="provider/model, e.g. openai/gpt-4o, local/qwen2.5-coder-1.5b,"
                                                          " scripted/do-nothing"),
    servers: str | None = typer.Option(None, "--servers", "-s", help="Comma-separated servers (default: all "
                                                                         "enabled)."),
    config: Path | None = ConfigOpt,
    as_json: bool = JsonOpt,
    max_turns: int = typer.Option(20, "--max-turns", min=1),
    timeout: float = typer.Option(600.0, "--timeout", help="Episode deadline, seconds."),
    temperature: float | None = typer.Option(None, "--temperature"),
    base_url: str | None = typer.Option(None, "--base-url", help="OpenAI-compatible endpoint (openai/ models)."),
    system: str | None = typer.Option(None, "--system", help="System prompt (default: mcpbench's)."),
) -> None:
    """Run one episode: the model answers PROMPT using the fleet's tools; prints every turn and call."""
    from mcpbench.agent import Limits
    from mcpbench.models.base import ModelSettings
    from mcpbench.models.registry import get_provider

    cfg = load_or_exit(config)
    try:
        specs = cfg.select([s.strip() for s in servers.split(",") if s.strip()] if servers else None)
    except KeyError as e:
        fail(str(e.args[0]))
        return
    options: dict[str, Any] = {}
    if temperature is not None:
        options["settings"] = ModelSettings(temperature=temperature)
    if base_url:
        options["base_url"] = base_url
    try:
        provider = get_provider(model, **options)
    except (ValueError, TypeError) as e:
        fail(str(e))
        return
    limits = Limits(max_turns=max_turns, episode_timeout_s=timeout)
    traj = run_loop(_try, provider, specs, prompt, limits, system, model, as_json)
    if as_json:
        print_json(traj.model_dump(mode="json"))
    else:
        print_trajectory(traj)
    if traj.status in ("model_error", "infra_failed"):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    from mcpbench.cli.models_local import register_local

    register_local(models_app)
    app.add_typer(models_app, name="models")
    app.command("try")(try_cmd)


__all__ = ["models_app", "print_trajectory", "register", "try_cmd"]
