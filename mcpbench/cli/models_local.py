"""Placeholder: `mcpbench models install` (local models) is added here by the local-model work."""

import typer


def register_local(models_app: typer.Typer) -> None:
    return None
