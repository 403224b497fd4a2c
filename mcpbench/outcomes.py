"""The typed outcome of one tool call: faults are data, never exceptions that leak into scores."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

OutcomeClass = Literal["ok", "tool_error", "model_error", "infra_error"]
"""ok: the server answered normally · tool_error: the server answered with isError ·
model_error: the model's fault (unknown tool, arguments that violate the schema, unparseable arguments) ·
infra_error: ours or the server's fault (crash, timeout, protocol garbage, spawn failure) —
never charged to the model."""

ErrorKind = Literal[
    "unknown_tool",
    "invalid_arguments",
    "malformed_arguments",
    "quarantined_tool",
    "timeout",
    "connection_closed",
    "server_unavailable",
    "protocol_error",
    "output_schema_violation",
    "output_too_large",
    "server_error",
    "tool_reported_error",
]


class ToolOutcome(BaseModel):
    """What one tool call produced, as the agent loop and the judges see it."""

    outcome: OutcomeClass
    """The fault class of this call."""
    error_kind: ErrorKind | None = None
    """A finer reason when outcome is not ok."""
    content: str = ""
    """The result rendered as text (text blocks joined; other blocks summarised), capped in bytes."""
    structured: Any = None
    """structuredContent when the server returned one (dropped when over the cap)."""
    error: str | None = None
    """A human-readable message for non-ok outcomes."""
    latency_s: float = 0.0
    """Wall time of the call inside mcpbench, seconds."""
    bytes: int = 0
    """Size of the rendered result before truncation."""
    truncated: bool = False
    """True when content was cut at the output cap; the marker in content records the original size."""

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def truncation_marker(original_bytes: int, cap: int) -> str:
    return f"\n[... mcpbench: output truncated at {cap} bytes; original size {original_bytes} bytes]"


def cap_text(text: str, cap: int) -> tuple[str, int, bool]:
    """Cap `text` at `cap` UTF-8 bytes; returns (text, original_bytes, truncated)."""
    raw = text.encode("utf-8", errors="replace")
    n = len(raw)
    if n <= cap:
        return text, n, False
    head = raw[:cap].decode("utf-8", errors="ignore")
    return head + truncation_marker(n, cap), n, True


def summarise(outcome: ToolOutcome) -> dict[str, Any]:
    """A compact dict for tables and logs."""
    return {"outcome": outcome.outcome, "error_kind": outcome.error_kind, "bytes": outcome.bytes,
            "truncated": outcome.truncated}


__all__ = ["ErrorKind", "OutcomeClass", "ToolOutcome", "cap_text", "summarise", "truncation_marker"]
