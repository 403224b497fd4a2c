"""docs/cli.md documents every command and option the CLI has (it is regenerated with `typer ... utils docs`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer.main

from mcpbench.cli import app

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _walk(cmd: Any, path: tuple[str, ...]) -> list[tuple[tuple[str, ...], Any]]:
    out = [(path, cmd)]
    if hasattr(cmd, "commands"):  # a group (typer vendors its own click)
        for name, sub in sorted(cmd.commands.items()):
            out += _walk(sub, (*path, name))
    return out


def test_every_command_and_option_is_in_docs_cli_md():
    text = DOC.read_text(encoding="utf-8")
    root = typer.main.get_command(app)
    missing = []
    commands = _walk(root, ("mcpbench",))
    assert len(commands) > 15  # the walk saw the groups' subcommands, not just the top level
    for path, cmd in commands:
        heading = re.search(rf"^#+ `{re.escape(' '.join(path))}`$", text, re.MULTILINE)
        if heading is None:
            missing.append(" ".join(path))
            continue
        section = re.split(r"^#", text[heading.end():], maxsplit=1, flags=re.MULTILINE)[0]
        for param in cmd.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and f"`{opt}" not in section and f" {opt}" not in section:
                    missing.append(f"{' '.join(path)} {opt}")
    assert not missing, "docs/cli.md is out of date (regenerate the Reference): " + ", ".join(missing)
