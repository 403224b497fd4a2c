"""Chemical compounds: parameters that take one (a SMILES string, `CCO`) or several, and how a person names one.

A parameter takes compounds when its name or description says SMILES (kinds.py: the `compound` kind), or when it is
named after what a chemistry tool works on (`molecule`, `structures`, `compounds`, `name_or_smiles`) and the tool's
name or description speaks of molecules, SMILES, chemistry or atoms (`assign`). Nothing in the world's data is a
compound, so values come from a small pool of common, valid molecules tied to the world's trade: Brightwater's
probes measure water quality, so the pool is what water treatment and its labs handle (disinfectants, nutrients,
hardness, reagents). Every entry is given as SMILES (any chemistry tool reads SMILES; names need a resolver, often an
online one) and said with its common name: "caffeine (SMILES CN1C=NC2=C1C(=O)N(C(=O)N2C)C)" (`compound_words`).
The SMILES were checked with RDKit (each parses, and its formula is the one written here).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph

COMPOUNDS: tuple[tuple[str, str, str], ...] = (
    ("caffeine", "CN1C=NC2=C1C(=O)N(C(=O)N2C)C", "C8H10N4O2"),
    ("citric acid", "OC(=O)CC(O)(CC(=O)O)C(=O)O", "C6H8O7"),
    ("phenol", "Oc1ccccc1", "C6H6O"),
    ("acetic acid", "CC(=O)O", "C2H4O2"),
    ("ethanol", "CCO", "C2H6O"),
    ("urea", "NC(N)=O", "CH4N2O"),
    ("sodium hypochlorite", "[Na+].[O-]Cl", "ClNaO"),
    ("hypochlorous acid", "OCl", "HClO"),
    ("monochloramine", "NCl", "H2ClN"),
    ("ammonia", "N", "H3N"),
    ("nitrate", "[O-][N+](=O)[O-]", "NO3-"),
    ("phosphate", "[O-]P(=O)([O-])[O-]", "O4P-3"),
    ("calcium carbonate", "[Ca+2].[O-]C([O-])=O", "CCaO3"),
    ("ozone", "[O-][O+]=O", "O3"),
)
"""(common name, SMILES, molecular formula as RDKit's CalcMolFormula writes it) of the pool, in seed order."""
SMILES = tuple(s for _, s, _ in COMPOUNDS)
_NAMES = {s: n for n, s, _ in COMPOUNDS}

ABOUT_CHEMISTRY = re.compile(r"\bSMILES\b|\bmolecul|\bchemi(?:cal|stry)|\batoms?\b|\bIUPAC\b|\bInChI", re.IGNORECASE)
"""Words in a tool's name or description that make it a chemistry tool."""
_ROLE_NAMES = re.compile(r"(?:name_or_)?(?:smiles|molecules?|compounds?|structures?|substances?|chemicals?)"
                         r"(?:_?(?:name|smiles|strings?|list))?s?", re.IGNORECASE)
"""Parameter names that, in a chemistry tool, take compounds. Not `reactants`/`products`: a reaction's sides must
belong together, and compounds drawn one by one from a pool make no reaction."""
_NAMED = re.compile(r"name", re.IGNORECASE)
"""A compound parameter that takes a name (`name_or_smiles`, `compound_name`) is given the common name: the tool
resolves it, and what it resolved (its SMILES, its formula) is something the request did not say."""
NAMES = tuple(n for n, _, _ in COMPOUNDS)


def assign(graph: ToolGraph, entries: list[ToolEntry]) -> None:
    """Give compound-named string parameters of chemistry tools the `compound` kind (`compound_name` when the name
    says it takes a name) and arrays of strings named so `[compound]` (graph.init_graph calls it once, before
    shapes.assign)."""
    by_key = {f"{e.server}/{e.name}": e for e in entries}
    for node in graph.nodes:
        entry = by_key.get(node.key)
        if entry is None or not ABOUT_CHEMISTRY.search(f"{entry.name} {entry.description}"):
            continue
        props = (entry.input_schema or {}).get("properties") or {}
        for p, k in node.params.items():
            ps = props.get(p) or {}
            if k not in (None, "compound") or not isinstance(ps, dict) or "enum" in ps or not _ROLE_NAMES.fullmatch(p):
                continue
            t = ps.get("type")
            if t in ("string", None) and not ps.get("anyOf"):
                node.params[p] = "compound_name" if _NAMED.search(p) else "compound"
            elif t == "array" and (ps.get("items") or {}).get("type") in ("string", None):
                node.params[p] = "[compound]"


def compound_name(smiles: str) -> str:
    """The common name of a pool compound ('CCO' -> 'ethanol'); '' for any other value."""
    return _NAMES.get(smiles.strip(), "")


def compound_words(value: str) -> str:
    """A compound as a person names it: 'ethanol (SMILES CCO)'; a value outside the pool as given."""
    name = compound_name(value)
    return f"{name} (SMILES {value})" if name else value


__all__ = ["ABOUT_CHEMISTRY", "COMPOUNDS", "NAMES", "SMILES", "assign", "compound_name", "compound_words"]
