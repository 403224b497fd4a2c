"""Small helpers the providers share: settings merging, tool-argument parsing, time measurement."""

from __future__ import annotations

import json
from typing import Any

from mcpbench.models.base import ModelSettings


def merge_settings(base: ModelSettings, override: ModelSettings | None) -> ModelSettings:
    """`base` with every field `override` sets (not None) replacing it; `extra` dicts are merged."""
    if override is None:
        return base
    data = base.model_dump(exclude_none=True)
    over = override.model_dump(exclude_none=True)
    extra = {**data.pop("extra", {}), **over.pop("extra", {})}
    return ModelSettings(**{**data, **over, "extra": extra})


def settings_record(settings: ModelSettings) -> dict[str, Any]:
    """The settings as recorded in a trajectory: only what was set."""
    data = settings.model_dump(exclude_none=True)
    if not data.get("extra"):
        data.pop("extra", None)
    return data


def parse_arguments(raw: Any) -> tuple[dict[str, Any] | None, str | None]:
    """(arguments, raw_arguments) from what a model wrote as tool-call arguments.

    A JSON object -> (dict, None). Empty text -> ({}, None) (some OpenAI-compatible servers send '' for no arguments).
    Anything else (broken JSON, a JSON array/string/number) -> (None, raw text): the toolbox classifies it as a
    model_error 'malformed_arguments'.
    """
    if isinstance(raw, dict):
        return raw, None
    if raw is None:
        return {}, None
    if not isinstance(raw, str):
        return None, json.dumps(raw, ensure_ascii=False, default=str)
    if not raw.strip():
        return {}, None
    try:
        value = json.loads(raw)
    except ValueError:
        return None, raw
    if isinstance(value, dict):
        return value, None
    return None, raw


def arguments_text(arguments: dict[str, Any] | None, raw: str | None) -> str:
    """The argument string to send back to an endpoint for an earlier call.

    JSON, or the raw text when it never parsed."""
    if arguments is not None:
        return json.dumps(arguments, ensure_ascii=False)
    return raw if raw is not None else "{}"


__all__ = ["arguments_text", "merge_settings", "parse_arguments", "settings_record"]
