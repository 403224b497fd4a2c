"""The one shape of mcpbench's registries (model providers, judges, synthesis steps, entity kinds, checks): a dict of
named entries, each name registered once, so two plug-ins can never silently replace each other."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


class Registry(dict[str, T]):
    """Named entries; registering a name that is already taken raises ValueError (remove it first to replace it)."""

    def __init__(self, what: str):
        super().__init__()
        self.what = what
        """What an entry is, for messages ('model provider', 'judge', ...)."""

    def __setitem__(self, name: str, entry: T) -> None:
        if name in self:
            raise ValueError(f"{self.what} {name!r} registered twice")
        super().__setitem__(name, entry)

    def add(self, name: str, entry: T) -> T:
        """Register `entry` under `name` and return it (for decorators). Raises ValueError for a taken name."""
        self[name] = entry
        return entry


__all__ = ["Registry"]
