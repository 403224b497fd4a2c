"""Two figures one of which must exceed the other (task_synth.orders). Regression: `a` and `b` of "integrate f on
[a, b] (b > a)" were drawn apart (a = 128, b = 7.5) and a real numerical-methods server refused about thirty calls."""

from __future__ import annotations

from task_synth.orders import fit_order, said_orders

ARGS_DOC = """Approximate the integral of f(x) on [a, b].

    Args:
        func_str: Math expression in x.
        a, b: Integration limits (b > a).
        x0: Start.
        xf: Final x (must be > x0).
        n: Number of subintervals."""
NUM = {"type": "number"}


def test_the_order_a_tool_states_is_read_from_its_words():
    assert said_orders(ARGS_DOC, ["func_str", "a", "b", "x0", "xf", "n"]) == [("a", "b"), ("x0", "xf")]
    assert said_orders("Returns rows where lo < hi.", ["lo", "hi"]) == [("lo", "hi")]
    assert said_orders("x > 0 must hold; n > 2", ["x", "n"]) == []  # a bound, not an order between parameters


def test_figures_the_wrong_way_round_are_swapped_equal_ones_moved_apart_and_bound_ones_left():
    props = {p: NUM for p in ("a", "b", "x0", "xf", "n")}
    args = {"a": 128, "b": 7.5, "x0": 2.0, "xf": 2.0, "n": 6}
    fit_order(props, args, set(), ARGS_DOC)
    assert args == {"a": 7.5, "b": 128, "x0": 2.0, "xf": 3.0, "n": 6}
    args = {"a": 128, "b": 7.5}
    fit_order(props, args, {"b"}, ARGS_DOC)  # b is an earlier result: nothing moves
    assert args == {"a": 128, "b": 7.5}
    # names that pair as the two ends of one range, snake or camel; texts are not figures
    args = {"x_min": 5, "x_max": 1, "minPrice": 10.0, "maxPrice": 2.5, "start_date": "2026-10-02",
            "end_date": "2026-09-01", "startYear": 2025, "endYear": 2025}
    fit_order({p: {} for p in args}, args, set(), "")
    assert args == {"x_min": 1, "x_max": 5, "minPrice": 2.5, "maxPrice": 10.0, "start_date": "2026-10-02",
                    "end_date": "2026-09-01", "startYear": 2025, "endYear": 2026}
