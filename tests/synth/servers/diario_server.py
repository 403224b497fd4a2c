"""A small MCP server (stdio): a work diary whose tools are described in English but whose parameters are named in
Italian, one described in Chinese, none named like English text (`pensiero`, `resoconto`, `analisi`). What a
person writes is counted back, so a task can ask for a figure of it.

- `registra_pensiero(pensiero)` records a musing: `{"numero": n, "parole": words, "caratteri": characters}`;
- `aggiungi_voce(cantiere, resoconto)` adds an entry to a project: `{"numero": n, "cantiere": …, "parole": words}`;
- `leggi_diario()` lists what was recorded, with the counts (kept in `diario.json` in the working directory);
- `valuta_analisi(sommario, analisi)` checks an analysis of at least 100 characters: `{"frasi": sentences,
  "parole": words}`; shorter ones are refused.
"""

import json
import re
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

mcp = MCPServer("diario", version="0.1.0")
STORE = Path.cwd() / "diario.json"


def _load() -> dict:
    return json.loads(STORE.read_text(encoding="utf-8")) if STORE.exists() else {"pensieri": [], "voci": []}


def _save(data: dict) -> None:
    STORE.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _words(text: str) -> int:
    return len(re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", text))


@mcp.tool()
def registra_pensiero(pensiero: Annotated[str, Field(description="Il pensiero da registrare")]) -> str:
    """Record a musing in the diary and count its words and characters."""
    if not pensiero.strip():
        raise ToolError("pensiero vuoto")
    data = _load()
    data["pensieri"].append({"pensiero": pensiero, "parole": _words(pensiero), "caratteri": len(pensiero)})
    _save(data)
    return json.dumps({"numero": len(data["pensieri"]), **data["pensieri"][-1]}, ensure_ascii=False)


@mcp.tool()
def aggiungi_voce(cantiere: Annotated[str, Field(description="Nome del cantiere")],
                  resoconto: Annotated[str, Field(description="Breve descrizione del lavoro")]) -> str:
    """Add an entry to a project's diary and count the words of its description."""
    if not cantiere.strip() or not resoconto.strip():
        raise ToolError("cantiere e resoconto sono obbligatori")
    data = _load()
    data["voci"].append({"cantiere": cantiere, "resoconto": resoconto, "parole": _words(resoconto)})
    _save(data)
    return json.dumps({"numero": len(data["voci"]), **data["voci"][-1]}, ensure_ascii=False)


@mcp.tool()
def leggi_diario() -> str:
    """Read the diary: every musing and entry recorded, with their word counts."""
    return json.dumps(_load(), ensure_ascii=False)


@mcp.tool()
def valuta_analisi(sommario: Annotated[str, Field(description="Sommario dell'attività")],
                   analisi: Annotated[str, Field(min_length=100, description="詳細的分析內容")]) -> str:
    """Review an analysis: count its sentences and words."""
    frasi = [f for f in re.split(r"(?<=[.!?])\s+", analisi.strip()) if f]
    return json.dumps({"frasi": len(frasi), "parole": _words(analisi)})


if __name__ == "__main__":
    mcp.run()
