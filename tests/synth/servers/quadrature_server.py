"""A small MCP server (stdio) of numerical methods on a function the caller writes as an expression in x. Its
parameters carry no descriptions: the tools' docstrings document them in an `Args:` section, as many servers do.

- `find_root(func_str, a, b)` bisects [a, b] for a root of f(x) (f(a) and f(b) of opposite signs);
- `integrate(func_str, a, b, n)` applies the composite trapezoidal rule;
- `fixed_point(g_str, x0)` iterates x = g(x);
- each answers JSON; an expression with anything but x, numbers, + - * / ** ( ) and sin/cos/exp/log/sqrt is refused
  ("Unknown or forbidden token"), as a safe evaluator does.
"""

import ast
import json
import math

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("quadrature", version="0.1.0")
_FUNCS = {"sin": math.sin, "cos": math.cos, "exp": math.exp, "log": math.log, "sqrt": math.sqrt}
_NODES = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load, ast.Add, ast.Sub,
          ast.Mult, ast.Div, ast.Pow, ast.USub, ast.UAdd)


def _function(text: str):
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as e:
        raise ToolError(f"Unknown or forbidden token in {text!r}") from e
    for node in ast.walk(tree):
        bad = not isinstance(node, _NODES) or (isinstance(node, ast.Name) and node.id not in (*_FUNCS, "x")) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, int | float))
        if bad:
            raise ToolError(f"Unknown or forbidden token: {getattr(node, 'id', type(node).__name__)}")
    code = compile(tree, "<f>", "eval")
    return lambda x: float(eval(code, {"__builtins__": {}, **_FUNCS}, {"x": x}))  # only checked nodes reach here


@mcp.tool()
def find_root(func_str: str, a: float, b: float) -> str:
    """Find a root of f(x) = 0 in [a, b] by bisection.

    Args:
        func_str: Math expression in x, e.g. "x**2 - 4".
        a: Left end of the interval.
        b: Right end of the interval (greater than a).
    """
    f = _function(func_str)
    lo, hi = (a, b) if a < b else (b, a)
    if f(lo) * f(hi) > 0:
        raise ToolError("f(a) and f(b) must have opposite signs")
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(lo) * f(mid) > 0 else (lo, mid)
    return json.dumps({"root": round((lo + hi) / 2, 6)})


@mcp.tool()
def integrate(func_str: str, a: float, b: float, n: int = 100) -> str:
    """Approximate the definite integral of f(x) on [a, b] with the composite trapezoidal rule.

    Args:
        func_str: Math expression in x.
        a: Lower limit.
        b: Upper limit.
        n: Number of subintervals.
    """
    f = _function(func_str)
    h = (b - a) / max(n, 1)
    total = (f(a) + f(b)) / 2 + sum(f(a + i * h) for i in range(1, max(n, 1)))
    return json.dumps({"integral": round(total * h, 6)})


@mcp.tool()
def fixed_point(g_str: str, x0: float) -> str:
    """Find a fixed point of g(x) = x by iteration from x0.

    Args:
        g_str: Math expression for the iteration function g(x).
        x0: Initial guess.
    """
    g, x = _function(g_str), x0
    for i in range(200):
        nxt = g(x)
        if not math.isfinite(nxt):
            raise ToolError("the iteration diverged")
        if abs(nxt - x) < 1e-9:
            return json.dumps({"fixed_point": round(nxt, 6), "iterations": i + 1})
        x = nxt
    raise ToolError("no convergence in 200 iterations")


if __name__ == "__main__":
    mcp.run()
