"""Example values a tool's description documents for its parameters.

Many servers document parameters in the tool's description rather than the schema (a docstring's `Args:` section:
`date: ISO 8601 date string (YYYY-MM-DD), e.g. "2026-04-21".`, `year: Four-digit year (e.g. 2026).`). The examples
given on a parameter's own line are candidates like the schema's (graph.seed_pools checks them against the kind).
"""

from __future__ import annotations

import re
from typing import Any

_EG = re.compile(r"""\b(?:e\.g\.|eg\.|for example|example:|such as)\s*[:,]?\s*(?:"([^"\n]{1,60})"|'([^'\n]{1,60})'|"""
                 r"""`([^`\n]{1,60})`|([\w./:+-]{2,40}))""", re.IGNORECASE)


def documented_examples(description: str, param: str) -> list[Any]:
    """Examples on `param`'s own line of a description's argument list ('param: ... e.g. "X"'), in order."""
    out: list[Any] = []
    for m in re.finditer(rf"(?m)^\s*[-*]?\s*`?{re.escape(param)}`?\s*(?:\([^)]*\))?\s*:(.*)$", description or ""):
        for e in _EG.finditer(m.group(1)):
            v = next(g for g in e.groups() if g is not None).rstrip(".,;)")
            if v and v not in out:
                out.append(int(v) if v.isdigit() else v)
    return out


__all__ = ["documented_examples"]
