"""A small MCP server (stdio) whose tools describe themselves the ways real servers do when they are not written for
English requests: a description in German, one in Chinese, a type signature ("-> list of …"), type talk ("as
dict"), and a text field with a link inside it. Built to exercise the wording of lone reads (task_synth/wording.py:
descriptions that cannot be pasted, phrases.structured_words, writing.salient's pages); every answer is fixed, so
the same seed gives the same tasks. Standard library only."""

import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("kitchen", version="0.1.0")

DISHES = [
    {"name": "Bacalhau à Brás", "course": "main", "minutes": 35, "servings": 4},
    {"name": "Caldo Verde", "course": "soup", "minutes": 40, "servings": 6},
    {"name": "Pastel de Nata", "course": "dessert", "minutes": 55, "servings": 12},
]


@mcp.tool(description="Gibt die Anzahl der Gerichte und Gänge im Kochbuch zurück.")
def count_dishes() -> str:
    return json.dumps({"dishes": len(DISHES), "courses": len({d["course"] for d in DISHES})})


@mcp.tool(description="获取厨房的营业时间信息")
def opening_hours() -> str:
    return json.dumps({"weekdays": 11, "weekends": 9, "closing_hour": 22})


@mcp.tool(description="Kitchen facts as dict")
def kitchen_facts() -> str:
    return json.dumps({"stoves": 6, "ovens": 2, "staff": 14})


@mcp.tool(description="Eval arithmetic expressions -> list of results")
def calc(expressions: list[str]) -> str:
    """The expressions must be plain arithmetic."""
    out = []
    for e in expressions:
        if not set(e) <= set("0123456789+-*/(). "):
            out.append({"expression": e, "error": "not arithmetic"})
            continue
        out.append({"expression": e, "value": eval(e, {"__builtins__": {}})})  # digits and operators only
    return json.dumps(out)


@mcp.tool(description="Shows the menu card of the week, with its notes.")
def menu_card() -> str:
    return json.dumps({"notes": "Photos at https://kitchen.example/img/card.png for the printed card", "items": 7,
                       "week": "2026-W49"})


if __name__ == "__main__":
    mcp.run()
