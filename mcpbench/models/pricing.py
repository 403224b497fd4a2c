"""List prices of known hosted models, to turn token usage into an estimated cost.

USD per 1M tokens (input, output), public list prices as of 2026; batch, cache and priority discounts ignored.
Unknown models (local, OpenAI-compatible servers, new releases) get cost None, never a guess.
"""

from __future__ import annotations

from mcpbench.trajectory import Usage

PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    # OpenAI
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "o3": (2.00, 8.00),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    # Anthropic
    "claude-opus-4-5": (5.00, 25.00),
    "claude-opus-4-1": (15.00, 75.00),
    "claude-opus-4": (15.00, 75.00),
    "claude-sonnet-4-5": (3.00, 15.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-3-7-sonnet": (3.00, 15.00),
    "claude-haiku-4-5": (1.00, 5.00),
    "claude-3-5-haiku": (0.80, 4.00),
}


def price_of(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens for `model`, matching the longest known prefix (dated snapshots such as
    'claude-sonnet-4-5-20250929' or 'gpt-4o-2024-08-06' price as their family); None when unknown."""
    best = None
    for key in PRICES_PER_MTOK:
        if (model == key or model.startswith(key + "-")) and (best is None or len(key) > len(best)):
            best = key
    return PRICES_PER_MTOK[best] if best else None


def priced_usage(model: str, input_tokens: int, output_tokens: int) -> Usage:
    """A Usage with cost_usd filled in when the model's price is known."""
    price = price_of(model)
    cost = None if price is None else round((input_tokens * price[0] + output_tokens * price[1]) / 1_000_000, 8)
    return Usage(input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=cost)


__all__ = ["PRICES_PER_MTOK", "price_of", "priced_usage"]
