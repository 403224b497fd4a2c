"""JSON with comments and trailing commas (VS Code settings, Zed settings, Cursor and friends accept it)."""

from __future__ import annotations

import json
import re
from typing import Any

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|,(?=\s*(?://[^\n]*\s*|/\*.*?\*/\s*)*[}\]])', re.DOTALL)


def strip_jsonc(text: str) -> str:
    """Remove // and /* */ comments and trailing commas outside strings, keeping line numbers intact."""

    def sub(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok.startswith('"'):
            return tok
        if tok == ",":
            return ""
        return re.sub(r"[^\n]", " ", tok)

    return _TOKEN.sub(sub, text.lstrip("\ufeff"))


def loads_jsonc(text: str) -> Any:
    """Parse JSON or JSONC. Raises json.JSONDecodeError (line/column refer to the original text)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(strip_jsonc(text))


__all__ = ["loads_jsonc", "strip_jsonc"]
