"""Test doubles that speak real protocols: a scripted OpenAI/Anthropic HTTP endpoint (`fake_llm`).

Names are loaded on first use so that `python -m mcpbench.testing.fake_llm` runs the module cleanly.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["FakeLLM", "FakeTurn", "RecordedRequest", "load_fake_script"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        return getattr(importlib.import_module("mcpbench.testing.fake_llm"), name)
    raise AttributeError(f"module 'mcpbench.testing' has no attribute {name!r}")
