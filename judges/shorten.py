"""Deterministic shortening of a trajectory for judge prompts.

Keeps the head and tail of each tool result within a token budget."""

from __future__ import annotations

import json

from mcpbench.trajectory import ErrorEvent, FinalAnswer, ModelTurn, ToolCallEvent, Trajectory

CHARS_PER_TOKEN = 4
"""Token estimate used for budgets (no tokenizer: the estimate must be the same for every judge and machine)."""
MIN_RESULT_CHARS = 160
TEXT_CHARS = 1200
"""Cap for one assistant text or one argument object."""


def approx_tokens(text: str) -> int:
    return (len(text) + CHARS_PER_TOKEN - 1) // CHARS_PER_TOKEN


def clip(text: str, max_chars: int) -> str:
    """Keep the first two thirds and the last third of `max_chars`, with a marker saying how much was left out."""
    if len(text) <= max_chars:
        return text
    head = max_chars * 2 // 3
    tail = max_chars - head
    return f"{text[:head]}\n[... {len(text) - max_chars} chars omitted ...]\n{text[len(text) - tail:]}"


def _segments(trajectory: Trajectory) -> list[tuple[str, str | None]]:
    """(fixed text, tool result or None) per line; only tool results are squeezed to fit the budget."""
    out: list[tuple[str, str | None]] = []
    index = 0
    for e in trajectory.events:
        if isinstance(e, ModelTurn) and e.text.strip():
            out.append((f"[turn {e.turn}] assistant: {clip(e.text.strip(), TEXT_CHARS)}", None))
        elif isinstance(e, ToolCallEvent):
            args = (json.dumps(e.arguments, sort_keys=True, ensure_ascii=False) if e.arguments is not None
                    else f"<unparseable: {e.raw_arguments!r}>")
            out.append((f"[turn {e.turn}] call #{index} {e.exposed_name} {clip(args, TEXT_CHARS)}", None))
            status = e.outcome if e.error_kind is None else f"{e.outcome}/{e.error_kind}"
            body = e.content if e.outcome == "ok" or not e.error else f"{e.error}\n{e.content}".strip()
            out.append((f"[turn {e.turn}] result #{index} ({status}): ", body))
            index += 1
        elif isinstance(e, ErrorEvent):
            out.append((f"[turn {e.turn}] episode error ({e.kind}): {clip(e.message, TEXT_CHARS)}", None))
        elif isinstance(e, FinalAnswer):
            pass  # rendered once at the end from trajectory.final_answer
    return out


def _render(segments: list[tuple[str, str | None]], cap: int) -> list[str]:
    return [fixed if body is None else fixed + clip(body, cap) for fixed, body in segments]


def render_trajectory(trajectory: Trajectory, *, budget_tokens: int = 6000) -> str:
    """The trajectory as judge-readable text of at most ~budget_tokens (deterministic for equal trajectories).

    The largest per-result cap that fits is found by bisection; when even MIN_RESULT_CHARS per result does not fit,
    whole lines are dropped from the middle (the first and last lines are kept), with a marker.
    """
    budget = budget_tokens * CHARS_PER_TOKEN
    segments = _segments(trajectory)
    longest = max((len(b) for _, b in segments if b is not None), default=0)
    lo, hi = MIN_RESULT_CHARS, max(MIN_RESULT_CHARS, longest)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if sum(len(x) + 1 for x in _render(segments, mid)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    lines = _render(segments, lo)
    if sum(len(x) + 1 for x in lines) > budget:
        head: list[str] = []
        tail: list[str] = []
        used = 0
        i, j = 0, len(lines) - 1
        while i <= j:
            take_head = len(head) <= len(tail)
            line = lines[i] if take_head else lines[j]
            if used + len(line) + 1 > budget:
                break
            used += len(line) + 1
            if take_head:
                head.append(line)
                i += 1
            else:
                tail.append(line)
                j -= 1
        lines = [*head, f"[... {j - i + 1} lines omitted to fit the judge budget ...]", *tail[::-1]]
    final = trajectory.final_answer.strip() or "<no final answer>"
    return "\n".join([*lines, f"[final answer] {clip(final, TEXT_CHARS * 2)}", f"[status] {trajectory.status}"])


__all__ = ["CHARS_PER_TOKEN", "approx_tokens", "clip", "render_trajectory"]
