"""A text listing whose items are bulleted lines ("- Invert Tree [Trees, Easy] — open", "2. Harbour Loop (12 km)")
gives the names before the first bracket, dash or colon (`listers.bulleted`), so a read that takes one is fed from
it like from a JSON listing; a heading or a closing line around the items is not an item."""

from __future__ import annotations

from task_synth.listers import bulleted, extract_values

LISTING = """3 of 15 matching puzzles:
- Rotate Matrix [Arrays, Medium] — not_started
- Merge Intervals [Arrays, Medium] — solved
- Two Pointers Warmup [Basics, Easy] — not_started
...and 12 more. Narrow with category to see more."""


def test_bulleted_lines_list_the_names_before_their_details():
    assert [v for v, _ in extract_values(LISTING, "puzzle_name")] == \
        ["Rotate Matrix", "Merge Intervals", "Two Pointers Warmup"]
    assert extract_values(LISTING, "puzzle_name")[1][1] == ["Arrays, Medium] — solved"]
    assert bulleted("1. Harbour Loop (12 km)\n2. Ridge Walk (8 km)") == [("Harbour Loop", ["12 km"]),
                                                                          ("Ridge Walk", ["8 km"])]
    assert [v for v, _ in bulleted("- **Pin 4**: PWM capable\n- **Pin 5**: ADC")] == ["Pin 4", "Pin 5"]
    assert bulleted("- only one item [x]") == []  # one line is no listing
    assert bulleted("Total: 3\nStatus: ok") == []  # labelled lines are fields, not items
