"""A small MCP server (stdio): a work diary whose tools are described in English but whose parameters are named in
Italian, one described in Chinese, none named like English text (`pensiero`, `descrizione`, `analisi`). What a
person writes is counted back, so a task can ask for a figure of it.

- `registra_pensiero(pensiero)` records a thought: `{"numero": n, "parole": words, "caratteri": characters}`;
- `aggiungi_voce(progetto, descrizione)` adds an entry to a project: `{"numero": n, "progetto": …, "parole": words}`;
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
    """Record a thought in the diary and count its words and characters."""
    if not pensiero.strip():
        raise ToolError("pensiero vuoto")
    data = _load()
    data["pensieri"].append({"pensiero": pensiero, "parole": _words(pensiero), "caratteri": len(pensiero)})
    _save(data)
    return json.dumps({"numero": len(data["pensieri"]), **data["pensieri"][-1]}, ensure_ascii=False)


@mcp.tool()
def aggiungi_voce(progetto: Annotated[str, Field(description="Nome del progetto")],
                  descrizione: Annotated[str, Field(description="Breve descrizione del lavoro")]) -> str:
    """Add an entry to a project's diary and count the words of its description."""
    if not progetto.strip() or not descrizione.strip():
        raise ToolError("progetto e descrizione sono obbligatori")
    data = _load()
    data["voci"].append({"progetto": progetto, "descrizione": descrizione, "parole": _words(descrizione)})
    _save(data)
    return json.dumps({"numero": len(data["voci"]), **data["voci"][-1]}, ensure_ascii=False)


@mcp.tool()
def leggi_diario() -> str:
    """Read the diary: every thought and entry recorded, with their word counts."""
    return json.dumps(_load(), ensure_ascii=False)


@mcp.tool()
def valuta_analisi(sommario: Annotated[str, Field(description="Sommario dell'attività")],
                   analisi: Annotated[str, Field(min_length=100, description="完整詳盡的技術分析結果")]) -> str:
    """Review an analysis: count its sentences and words."""
    frasi = [f for f in re.split(r"(?<=[.!?])\s+", analisi.strip()) if f]
    return json.dumps({"frasi": len(frasi), "parole": _words(analisi)})


if __name__ == "__main__":
    mcp.run()
