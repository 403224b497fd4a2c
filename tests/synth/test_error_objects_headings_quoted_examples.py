"""Three small rules found on registry servers never seen (session 16 scouting), each a general shape:

- a JSON answer whose every key says why the call failed (`{"error": true, "error_type": "TypeError", "message":
  …}`) is an error, so no task asks "what the error type is" (probe.looks_like_error);
- a text listing of headings and labelled lines ("Markdown Files Statistics:", "Total Files: 0") lists no items, so
  none of its lines becomes an id (listers.extract_values);
- a parenthesised series of quoted words in a tool's description ('in plain words ("trash can", "cog", "paper
  plane")') gives the examples of its one parameter without a value (documented.quoted_series).
"""

from __future__ import annotations

from task_synth.documented import quoted_series, tool_examples
from task_synth.listers import extract_values
from task_synth.probe import looks_like_error


def test_a_json_answer_about_its_own_failure_is_an_error_and_data_beside_it_is_not():
    assert looks_like_error('{"error": true, "error_type": "TypeError", "message": "takes 0 positional arguments"}')
    assert looks_like_error('{"success": false, "reason": "no such list", "hint": "create it first"}')
    assert looks_like_error('{"error": "not found", "code": 404}')
    assert not looks_like_error('{"error": true, "results": [1, 2]}')  # data came back: not only a failure
    assert not looks_like_error('{"success": false, "items": [1]}')
    assert not looks_like_error('{"error_count": 0, "rows": 3}')  # no failure said at all


def test_headings_and_labelled_lines_are_no_listing_of_items():
    stats = "Markdown Files Statistics:\n\nTotal Files: 0\nTotal Characters: 0\nAll Tags:"
    assert extract_values(stats, "file_id") == []
    assert extract_values("alpha.md\nbeta.md\n10:30", "file_id") == [("alpha.md", []), ("beta.md", []),
                                                                    ("10:30", [])]


def test_quoted_words_in_parentheses_are_the_examples_of_the_one_open_parameter():
    desc = ('Finds icons by keyword. Use this when the user describes an icon in plain words ("trash can", "cog", '
            '"paper plane"). Returns the best matching names.')
    assert quoted_series(desc) == ["trash can", "cog", "paper plane"]
    assert tool_examples(desc, "query", ["queries", "query"], sole=True) == ["trash can", "cog", "paper plane"]
    assert tool_examples(desc, "query", ["queries", "query"], sole=False) == []  # another parameter's, maybe
    assert quoted_series('an exact name ("settings") or a query') == []  # one word is no series


def test_a_text_parameter_described_as_hh_mm_is_a_time_whatever_its_name():
    from task_synth.kinds import param_kind

    assert param_kind("birth_time", {"type": "string", "description": "Birth time in HH:MM format (24-hour)"}) == "time"
    assert param_kind("birth_time", {"type": "string"}) is None
