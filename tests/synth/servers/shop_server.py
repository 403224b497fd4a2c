"""A small stateful MCP server (stdio): a shop whose writes take no content, and a task board.

The shape of retail and kanban servers: the store starts full (a catalogue with stock, cards on a board), and every
write works on what is there through ids — a cart the caller names ("Client-generated cart handle, e.g. cart-123"),
an order that placing a cart makes, a card moved to another column. No write takes a text or rows, so seeding (which
writes the world's records) has nothing to write; only acting on the store and reading it back shows a change.

- `search_products(query)`: products whose name contains the words (JSON list of product_id, name, price).
- `get_product_details(product_id)`: one product (e.g. SKU-1001).
- `check_inventory(product_id)`: stock_qty and in_stock. Does not change inventory.
- `add_to_cart(cart_id, product_id, qty)`: puts qty of a product in a cart the caller names. Does not decrement stock.
- `place_order(cart_id)`: decrements stock, returns an order_id like ORD-00000001, and deletes the cart.
- `get_order_details(order_id)`: one order.
- `list_cards()`, `get_card(card_id)`, `move_card(card_id, column)`: a task board's cards and their columns.
- `open_card_count()`: how many cards are not done, answered as a bare number (a read whose whole output is the
  value).
"""

import json
from typing import Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("shop", version="0.1.0")
PRODUCTS: dict[str, dict[str, Any]] = {
    f"SKU-{1001 + i}": {"product_id": f"SKU-{1001 + i}", "name": name, "price": price, "stock_qty": stock}
    for i, (name, price, stock) in enumerate([("Trail Running Shoes", 89.9, 42), ("Rain Jacket", 129.0, 17),
                                              ("Wool Socks", 12.5, 120), ("Camping Stove", 64.0, 8)])}
CARTS: dict[str, dict[str, int]] = {}
ORDERS: dict[str, dict[str, Any]] = {}
CARDS: dict[str, dict[str, Any]] = {
    f"CARD-{i}": {"card_id": f"CARD-{i}", "title": title, "column": "todo"}
    for i, title in enumerate(["Write launch notes", "Fix login timeout", "Plan team offsite"], 1)}


def _product(product_id: str) -> dict[str, Any]:
    p = PRODUCTS.get(product_id.strip())
    if p is None:
        raise ToolError(f"No product {product_id!r}.")
    return p


@mcp.tool()
def search_products(query: str) -> str:
    """Find products whose name contains the words (case-insensitive)."""
    q = query.strip().lower()
    return json.dumps([{"product_id": p["product_id"], "name": p["name"], "price": p["price"]}
                       for p in PRODUCTS.values() if q and q in p["name"].lower()], indent=2)


@mcp.tool()
def get_product_details(product_id: str) -> str:
    """Full details of one product: name and price. Use the id from search_products (e.g. SKU-1001)."""
    p = _product(product_id)
    return json.dumps({"product_id": p["product_id"], "name": p["name"], "price": p["price"]}, indent=2)


@mcp.tool()
def check_inventory(product_id: str) -> str:
    """Returns stock_qty and in_stock for a product. Does not change inventory."""
    p = _product(product_id)
    return json.dumps({"product_id": p["product_id"], "stock_qty": p["stock_qty"], "in_stock": p["stock_qty"] > 0})


@mcp.tool()
def add_to_cart(cart_id: str, product_id: str, qty: int = 1) -> str:
    """Add a quantity of a product to a cart. cart_id: client-generated cart handle, e.g. cart-123. Does not
    decrement stock."""
    p = _product(product_id)
    if qty < 1:
        raise ToolError("qty must be at least 1.")
    cart = CARTS.setdefault(cart_id, {})
    cart[p["product_id"]] = cart.get(p["product_id"], 0) + qty
    return json.dumps({"cart_id": cart_id, "items": [{"product_id": k, "qty": v} for k, v in cart.items()]})


@mcp.tool()
def place_order(cart_id: str) -> str:
    """Place the order for a cart. Decrements stock, returns an order_id like ORD-00000001, and deletes the cart."""
    cart = CARTS.pop(cart_id, None)
    if not cart:
        raise ToolError(f"Cart {cart_id!r} not found.")
    for k, qty in cart.items():
        if PRODUCTS[k]["stock_qty"] < qty:
            raise ToolError(f"Not enough stock of {k}.")
    for k, qty in cart.items():
        PRODUCTS[k]["stock_qty"] -= qty
    order_id = f"ORD-{len(ORDERS) + 1:08d}"
    total = round(sum(PRODUCTS[k]["price"] * q for k, q in cart.items()), 2)
    ORDERS[order_id] = {"order_id": order_id, "status": "placed", "total": total,
                        "items": [{"product_id": k, "qty": q} for k, q in cart.items()]}
    return json.dumps({"order_id": order_id, "total": total})


@mcp.tool()
def get_order_details(order_id: str) -> str:
    """Status, total and items of one order."""
    o = ORDERS.get(order_id.strip())
    if o is None:
        raise ToolError(f"No order {order_id!r}.")
    return json.dumps(o, indent=2)


@mcp.tool()
def list_cards() -> str:
    """All cards on the board with their column."""
    return json.dumps(list(CARDS.values()), indent=2)


@mcp.tool()
def get_card(card_id: str) -> str:
    """One card of the board: its title and column. Use the id from list_cards (e.g. CARD-1)."""
    c = CARDS.get(card_id.strip())
    if c is None:
        raise ToolError(f"No card {card_id!r}.")
    return json.dumps(c, indent=2)


@mcp.tool()
def open_card_count() -> str:
    """Tells how many cards are not done yet. Answers the number alone, as plain text."""
    return str(sum(c["column"] != "done" for c in CARDS.values()))


@mcp.tool()
def move_card(card_id: str, column: Literal["todo", "doing", "done"]) -> str:
    """Move a card to another column of the board."""
    c = CARDS.get(card_id.strip())
    if c is None:
        raise ToolError(f"No card {card_id!r}.")
    c["column"] = column
    return json.dumps({"card_id": c["card_id"], "moved": True})


if __name__ == "__main__":
    mcp.run()
