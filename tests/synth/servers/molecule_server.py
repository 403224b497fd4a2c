"""A small chemistry MCP server (stdio) whose tools take compounds as SMILES, with no parameter descriptions (as
many chemistry servers ship): `heavy_atoms(smiles)` counts a molecule's atoms other than hydrogen by element,
`compare_molecules(structures)` says which of several molecules is the largest. Built to exercise the compound kind
(task_synth/compounds.py): before it, nothing filled a SMILES string, so no tool was ever called.

A value that is not SMILES (no atom symbol, or characters SMILES does not use) is refused. Every call is appended to
the file named by $MOLECULE_LOG (when set).
"""

import json
import os
import re

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("molecule", version="0.1.0")
ATOM = re.compile(r"\[(?:\d*)([A-Z][a-z]?|[a-z]{1,2})[^\]]*\]|(Br|Cl|[BCNOPSFI]|[bcnops])")
SMILES_CHARS = re.compile(r"[A-Za-z0-9@+\-\[\]()=#$/\\.%:]+")


def _log(tool: str, args: dict) -> None:
    path = os.environ.get("MOLECULE_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}) + "\n")


def composition(smiles: str) -> dict[str, int]:
    """Element -> count of the atoms written in a SMILES string (hydrogens left out)."""
    if not SMILES_CHARS.fullmatch(smiles) or not ATOM.search(smiles):
        raise ToolError(f"not a SMILES string: {smiles!r}")
    counts: dict[str, int] = {}
    for m in ATOM.finditer(smiles):
        el = (m.group(1) or m.group(2)).capitalize()
        if el != "H":
            counts[el] = counts.get(el, 0) + 1
    return counts


@mcp.tool()
def heavy_atoms(smiles: str) -> str:
    """Count the heavy atoms of a molecule given as SMILES, by element."""
    _log("heavy_atoms", {"smiles": smiles})
    c = composition(smiles)
    return json.dumps({"heavy_atom_count": sum(c.values()),
                       "carbon_atoms": c.get("C", 0), "elements": "".join(f"{k}{v}" for k, v in sorted(c.items()))})


@mcp.tool()
def compare_molecules(structures: list[str]) -> str:
    """Compare 2-4 molecules and report which one has the most heavy atoms."""
    _log("compare_molecules", {"structures": structures})
    sizes = {s: sum(composition(s).values()) for s in structures}
    largest = max(sizes, key=lambda s: sizes[s])
    return json.dumps({"compared": len(sizes), "largest_heavy_atom_count": sizes[largest]})


if __name__ == "__main__":
    mcp.run()
