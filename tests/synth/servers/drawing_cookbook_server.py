"""A small read-only MCP server (stdio): a cookbook whose data is not in English and two of whose five tools **draw
at random on every call**, as "recommend" and "what should I eat" tools do.

- `list_dishes()`, `get_dish(name)` and `search_dishes(query)` answer the same thing every time.
- `recommend_dishes(people_count)` draws a menu for that many people: how many meat and vegetable dishes it holds
  follows from the count, *which* dishes are drawn anew on every call.
- `what_to_eat()` draws one dish.

Two calls in a row never draw the same (within one server process) when more than one menu can be drawn.

Dish names and categories are Chinese and Portuguese; descriptions are English so wording is not what is tested.
Every call is appended to $COOKBOOK_LOG (when set). Standard library only.
"""

import json
import os
import random
from typing import Any

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("cookbook", version="0.1.0")

DISHES: list[dict[str, Any]] = [
    {"name": "宫保鸡丁", "category": "荤菜", "minutes": 25, "difficulty": 3, "servings": 2,
     "ingredients": ["鸡胸肉 300g", "花生 50g", "干辣椒 10个"]},
    {"name": "红烧肉", "category": "荤菜", "minutes": 90, "difficulty": 4, "servings": 4,
     "ingredients": ["五花肉 500g", "冰糖 30g", "生抽 2勺"]},
    {"name": "麻婆豆腐", "category": "素菜", "minutes": 20, "difficulty": 2, "servings": 3,
     "ingredients": ["豆腐 400g", "豆瓣酱 1勺", "花椒 5g"]},
    {"name": "番茄炒蛋", "category": "素菜", "minutes": 11, "difficulty": 1, "servings": 2,
     "ingredients": ["番茄 2个", "鸡蛋 3个", "盐 3g"]},
    {"name": "Bacalhau à Brás", "category": "荤菜", "minutes": 37, "difficulty": 3, "servings": 4,
     "ingredients": ["bacalhau 400g", "batata palha 200g", "ovos 6"]},
    {"name": "Caldo Verde", "category": "汤", "minutes": 40, "difficulty": 2, "servings": 6,
     "ingredients": ["couve 300g", "batata 500g", "chouriço 100g"]},
    {"name": "酸辣汤", "category": "汤", "minutes": 33, "difficulty": 2, "servings": 4,
     "ingredients": ["豆腐 200g", "木耳 30g", "醋 2勺"]},
]
_RNG = random.SystemRandom()
_LAST: dict[str, Any] = {}
"""What each drawing tool drew last: the next call draws something else, so two calls in a row always differ (a
test can rely on it) when there is more than one to draw. Minutes are chosen so that every menu for two people
has its own total."""


def _log(tool: str, args: dict[str, Any]) -> None:
    path = os.environ.get("COOKBOOK_LOG")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps({"tool": tool, "args": args}, ensure_ascii=False) + "\n")


def _brief(d: dict[str, Any]) -> dict[str, Any]:
    return {"name": d["name"], "category": d["category"], "minutes": d["minutes"]}


@mcp.tool()
def list_dishes() -> str:
    """List all dishes in the cookbook."""
    _log("list_dishes", {})
    return json.dumps({"dishes": [_brief(d) for d in DISHES], "count": len(DISHES)}, ensure_ascii=False)


@mcp.tool()
def get_dish(name: str) -> str:
    """Get a dish by its name, with its ingredients."""
    _log("get_dish", {"name": name})
    for d in DISHES:
        if d["name"] == name:
            return json.dumps(d, ensure_ascii=False)
    return json.dumps({"error": f"未找到菜品: {name}"}, ensure_ascii=False)


@mcp.tool()
def search_dishes(query: str) -> str:
    """Search dishes whose name, category or ingredients contain the query."""
    _log("search_dishes", {"query": query})
    hits = [_brief(d) for d in DISHES
            if query in d["name"] or query in d["category"] or any(query in i for i in d["ingredients"])]
    return json.dumps({"query": query, "results": hits, "count": len(hits)}, ensure_ascii=False)


@mcp.tool()
def recommend_dishes(people_count: int) -> str:
    """Recommend a set of dishes for a number of people."""
    _log("recommend_dishes", {"people_count": people_count})
    meat_n = max(1, (people_count + 1) // 2)
    veg_n = max(1, people_count - meat_n)
    for _ in range(50):  # a count that takes every dish has one menu only
        meat = _RNG.sample([d for d in DISHES if d["category"] == "荤菜"], min(meat_n, 3))
        veg = _RNG.sample([d for d in DISHES if d["category"] != "荤菜"], min(veg_n, 4))
        menu = meat + veg
        if sorted(d["name"] for d in menu) != _LAST.get("recommend"):
            break
    _LAST["recommend"] = sorted(d["name"] for d in menu)
    _LAST["draws"] = _LAST.get("draws", 0) + 1
    return json.dumps({"draw": _LAST["draws"], "people_count": people_count, "meat_dish_count": len(meat),
                       "veg_dish_count": len(veg),
                       "dishes": [_brief(d) for d in menu],
                       "total_minutes": sum(d["minutes"] for d in menu)}, ensure_ascii=False)


@mcp.tool()
def what_to_eat() -> str:
    """Pick a dish at random when you cannot decide what to eat."""
    _log("what_to_eat", {})
    d = _RNG.choice([d for d in DISHES if d["name"] != _LAST.get("pick")])
    _LAST["pick"] = d["name"]
    _LAST["draws"] = _LAST.get("draws", 0) + 1  # every draw is numbered, as menu and ticket ids are: two calls never
    # answer alike, so the two runs of a chain always show the draw (two picks of one dish would otherwise hide it)
    return json.dumps({"draw": _LAST["draws"], "suggestion": d["name"], "category": d["category"],
                       "minutes": d["minutes"], "servings": d["servings"]}, ensure_ascii=False)


if __name__ == "__main__":
    mcp.run()
