"""Install on first use, with visible progress: the fleet's servers and local models.

Used by `mcpbench models install`, by `mcpbench run` before its first episode, and by the test session's set-up
(tests/conftest.py). On a terminal the progress is a bar; elsewhere (CI logs, pytest) one line per step.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from mcpbench.config import ServerSpec


class StepDisplay:
    """One progress bar per step on a terminal, one printed line per event elsewhere."""

    def __init__(self, console: Console):
        self.console = console
        self.live = console.is_terminal
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("[dim]{task.fields[detail]}"), console=console,
                                 transient=False)
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> Self:
        if self.live:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.live:
            self.progress.stop()

    def update(self, key: str, description: str, *, done: int | None = None, total: int | None = None,
               detail: str = "") -> None:
        """Move bar `key` (created on first use) to done/total, or print a line when not on a terminal."""
        if not self.live:
            count = f" {done}/{total}" if done is not None and total else ""
            self.console.print(f"[dim]{description}{count}[/] {detail}", highlight=False)
            return
        if key not in self.tasks:
            self.tasks[key] = self.progress.add_task(description, total=total, detail=detail)
        self.progress.update(self.tasks[key], description=description, completed=done or 0, total=total,
                             detail=detail[-60:])


def missing_servers(specs: Sequence[ServerSpec], home: Path | None = None) -> list[ServerSpec]:
    """The specs whose install marker is missing or stale."""
    from mcpbench.install import is_installed

    return [s for s in specs if not is_installed(s, home)]


def install_fleet(specs: Sequence[ServerSpec], console: Console, home: Path | None = None) -> list[Any]:
    """Install the servers that need it, with progress; returns the InstallResults (failures included)."""
    from mcpbench.install import InstallEvent, install_servers

    todo = missing_servers(specs, home)
    if not todo:
        return []
    done = 0
    with StepDisplay(console) as show:
        show.update("fleet", f"installing {len(todo)} MCP servers", done=0, total=len(todo), detail="uv + npm")

        def on_event(ev: InstallEvent) -> None:
            nonlocal done
            if ev.stage != "start":
                done += 1
            show.update("fleet", f"installing {len(todo)} MCP servers", done=done, total=len(todo),
                        detail=f"{ev.name} {ev.stage}")

        return install_servers(todo, home, on_event=on_event)


def install_local(name: str, console: Console, home: Path | None = None, *, force: bool = False,
                  prove: bool = True, rehash: bool = True) -> tuple[Path, Any, Any]:
    """`ensure_local_model` with progress: weights (download, sha256 of every piece and the whole), runtime, proof.

    Raises what ensure_local_model raises (LocalModelError subclasses with the fix in the message).
    """
    from mcpbench.models.local_setup import SetupEvent, ensure_local_model
    from mcpbench.models.local_weights import WeightsEvent

    with StepDisplay(console) as show:
        def on_weights(ev: WeightsEvent) -> None:
            label = {"download": "downloading", "assemble": "assembling + sha256", "verify": "verifying sha256",
                     "cached": "weights ok", "installed": "weights installed"}[ev.stage]
            show.update(f"w-{ev.stage}", f"local/{ev.name} {label}", done=ev.done, total=ev.total, detail=ev.detail)

        def on_event(ev: SetupEvent) -> None:
            show.update(f"s-{ev.stage}", f"local/{ev.name} {ev.stage}", detail=ev.detail)

        return ensure_local_model(name, home, on_weights=on_weights, on_event=on_event, force=force, prove=prove,
                                  rehash=rehash)


__all__ = ["StepDisplay", "install_fleet", "install_local", "missing_servers"]
