"""Resolve 'provider/model' names to providers, and describe what is available on this machine."""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from mcpbench.models.base import REGISTRY, Provider, split_name

if TYPE_CHECKING:
    from mcpbench.models.local_weights import LocalModelInfo

BUILTIN_MODULES = ("mcpbench.models.openai", "mcpbench.models.anthropic", "mcpbench.models.scripted",
                   "mcpbench.models.local")
"""Modules whose import registers a provider prefix."""

ENDPOINT_VARS = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")
"""Environment variables that configure endpoints. Only their names are ever shown, never their values."""


PREFIX_MODULES = {"openai": "mcpbench.models.openai", "anthropic": "mcpbench.models.anthropic",
                  "scripted": "mcpbench.models.scripted", "local": "mcpbench.models.local"}
"""Where each built-in prefix lives: get_provider imports only the one it needs (the anthropic SDK alone takes
seconds to import, which a scripted run should not pay)."""


def load_builtin_providers() -> None:
    """Import every built-in provider module so its @provider registration runs (idempotent)."""
    for mod in BUILTIN_MODULES:
        importlib.import_module(mod)


def known_providers() -> dict[str, str]:
    """prefix -> one-line description, for every registered provider."""
    load_builtin_providers()
    return dict(sorted(REGISTRY.docs.items()))


def get_provider(name: str, **options: Any) -> Provider:
    """Build the provider for 'prefix/model', passing `options` to its factory.

    Raises ValueError for a name without a prefix or with an unknown one (the message lists the known prefixes), and
    whatever the factory raises for bad options (ValueError: missing key, unreadable script; TypeError: bad option).
    """
    prefix, model = split_name(name)
    if prefix not in REGISTRY.factories:
        if prefix in PREFIX_MODULES:
            importlib.import_module(PREFIX_MODULES[prefix])
        else:
            load_builtin_providers()
    factory = REGISTRY.factories.get(prefix)
    if factory is None:
        known = ", ".join(sorted(REGISTRY.factories)) or "none"
        raise ValueError(f"unknown model provider '{prefix}' in '{name}' (known: {known})")
    return factory(model, **options)


def configured_endpoints() -> list[str]:
    """Names of the endpoint variables set in the environment (never their values)."""
    return [v for v in ENDPOINT_VARS if os.environ.get(v)]


def installed_local_models() -> list[LocalModelInfo]:
    """The local models whose weights are installed (`mcpbench.models.local_weights.installed_models`)."""
    from mcpbench.models.local_weights import installed_models

    return list(installed_models())


__all__ = ["BUILTIN_MODULES", "ENDPOINT_VARS", "configured_endpoints", "get_provider", "installed_local_models",
           "known_providers", "load_builtin_providers"]
