"""Placeholder: `mcpbench servers search` is added here by the discovery work."""

import typer


def register_search(servers_app: typer.Typer) -> None:
    return None
