"""Mechanical wording the offline template writer used to produce (issue 19, "read as requests a person with a
purpose would make"), each pinned on unit inputs built in the styles real servers use; no test names a real
server's tool. Each test says which phrase it pins; every one failed on the code before this change."""

from __future__ import annotations

import json

from task_synth.artifacts import ChainStep
from task_synth.binding import extract
from task_synth.filters import wording_problems
from task_synth.focus import focused
from task_synth.grammar import article, codeish, copula, how_many, is_plural, singular, the_value_is, what_the
from task_synth.phrases import GENERIC, StepView
from task_synth.seeding import made_phrase, where_words
from task_synth.wording import action, chosen, figure_question, named_value, param_noun
from task_synth.writing import from_the_question, salient


def _view(description: str, args: dict[str, object], kinds: dict[str, str | None] | None = None,
          params: dict[str, str] | None = None, tool: str = "tool") -> StepView:
    return StepView(index=0, server="srv", tool=tool, description=description, args=dict(args), bound={},
                    kinds=kinds or {}, params=params or dict.fromkeys(args, ""))


# --- a parameter named in code is never a noun ("a n of 5") -------------------------------------------------------


def test_a_parameter_named_in_code_is_never_said_as_a_noun():
    """Pins "sample rows with … and a n of 5": the raw name `n` was said as a noun."""
    assert named_value("n", "5") == "5"
    assert named_value("df", "orders") == "orders"
    assert named_value("top_k", "5") == "5"
    assert named_value("n", "5", "Number of rows to sample") == "5 rows"
    assert named_value("n", "5", "N") == "5"  # a description that only repeats the name says nothing
    assert named_value("k", "3", "How many results to return") == "3 results"
    assert named_value("n_rows", "5") == "5 rows"
    assert named_value("max_results", "5") == "at most 5 results"
    assert param_noun("fmt") == ""
    assert all(codeish(w) for w in ("n", "df", "fmt", "idx", "px", "ndigits"))
    assert not any(codeish(w) for w in ("id", "of", "rate", "pct", "rows", "years"))
    # a unit ending the name is said after the value; a letter inside the name is a label ('option A')
    assert named_value("width_mm", "7.5") == "a width of 7.5 mm"
    assert named_value("option_a_rate_pct", "4") == "an option A rate of 4%"
    # words a person would say are kept as before
    assert named_value("old_value", "7.5") == "an old value of 7.5"
    assert named_value("years_of_service", "40") == "40 years of service"
    assert named_value("annual_rate_pct", "3") == "an annual rate of 3%"


def test_a_count_given_with_no_name_of_its_own_counts_what_the_tool_speaks_of():
    """Pins "… with brightwater.xlsx, Orders and a n of 5" for a sample of rows whose `n` has no description."""
    v = _view("Return a random sample of rows.", {"path": "brightwater.xlsx", "sheet": "Orders", "n": 5},
              {"path": "path", "sheet": None, "n": "number"})
    said = GENERIC.fuzzy(v)
    assert "a n of" not in said and " n " not in f" {said} "
    assert said.endswith("with 5 rows"), said


# --- number agreement ("what the filtered rows is") ---------------------------------------------------------------


def test_a_figure_under_a_plural_label_is_asked_as_a_count_and_every_question_agrees_in_number():
    """Pins "tell me what the filtered rows is" (a count under a plural field, asked with 'is')."""
    ask, _ = salient(json.dumps({"filtered_rows": 12, "status": "ok"}), "srv/filter")
    assert ask.fuzzy == "how many filtered rows there are"
    assert figure_question("files changed") == "how many files were changed"
    ask, _ = salient(json.dumps({"summary": "diff of two commits", "files_changed": 3}), "srv/diff")
    assert ask.fuzzy == "how many files were changed"
    assert figure_question("total results") == "how many results there are in total"
    assert figure_question("total sales") == "what the total sales are"  # money: one figure
    assert figure_question("max requests") == "what the max requests are"
    assert figure_question("number of rows") == "what the number of rows is"
    assert what_the("status") == "what the status is" and what_the("author", who=True) == "who the author is"
    assert what_the("from") == "who it is from" and what_the("to") == "who it is addressed to"  # not "the from"
    assert what_the("business days") == "what the business days are"
    assert copula("people") == "are" and copula("analysis") == "is" and copula("ids") == "are"
    assert how_many("rows") == "how many rows there are"
    assert is_plural("total zakatable assets") and not is_plural("the number of customers")


def test_a_lone_read_asks_a_number_under_a_plural_field_as_a_count():
    """Pins "what the skipped days are" on one-hop reads (the focus module's question): a number under a plural
    field counts those things."""
    raw = json.dumps({"status": "ok", "skipped_days": 3, "holiday_name": "Christmas"})
    found = focused(raw, "count_business_days", "Count business days between two dates.", set(), {})
    assert found is not None
    assert found[0].fuzzy == "how many skipped days there are"


def test_articles_follow_the_sound_of_the_word():
    assert [article(w) for w in ("annual rate", "unit price", "hour", "SKU", "URL", "one-off fee", "old value")] == \
        ["an", "a", "an", "an", "a", "a", "an"]
    assert singular("entries") == "entry" and singular("boxes") == "box" and singular("status") == "status"


# --- handles recited as a list ("with brightwater.xlsx and Orders") ----------------------------------------------


def test_a_file_and_its_sheet_are_said_as_one_place_never_listed():
    """Pins "filter rows in brightwater.xlsx and Orders, keeping only …": a file and a sheet were listed as two
    values."""
    v = _view("Filter rows using a SQL WHERE-style expression.",
              {"path": "brightwater.xlsx", "sheet": "Orders", "where": "sales_rep = 'Wei Ling Tan'"},
              {"path": "path", "sheet": None, "where": "condition@srv~filter"})
    said = GENERIC.fuzzy(v)
    assert said == ("filter rows in the Orders sheet of brightwater.xlsx, keeping only the rows where the sales rep "
                    "is Wei Ling Tan")
    assert "brightwater.xlsx and Orders" not in said
    v = _view("Describe the columns.", {"file_path": "orders.csv", "table_name": "orders", "limit": 3},
              {"file_path": "path", "table_name": "table", "limit": "number"})
    said = GENERIC.fuzzy(v)
    assert said.startswith("describe the columns in the orders table of orders.csv"), said
    assert "orders.csv and orders" not in said and wording_problems(said) == []


# --- a seeded diagram called "a new list" -------------------------------------------------------------------------


def test_a_seeded_place_named_by_a_name_parameter_is_what_the_chain_makes_never_a_list():
    """Pins 'keep our sensor products … in a new list called "Brightwater products"' for a diagram."""
    steps = [ChainStep(server="d", tool="diagram", arguments={"action": "create",
                                                                "diagram_name": "Brightwater products"})]
    fuzzy, _ = where_words(steps, ("file", ".drawio"), made_phrase("Create a new empty diagram."))
    assert fuzzy == 'a new empty diagram called "Brightwater products"'
    assert where_words(steps, ("file", ".drawio"))[0] == 'a new diagram called "Brightwater products"'
    bare = [ChainStep(server="d", tool="add", arguments={"name": "Brightwater products"})]
    assert "list" not in where_words(bare, ("file", ".x"))[0]


# --- a description recited with its choices ("encode or decode strings") -----------------------------------------


def test_an_actions_alternatives_are_resolved_by_the_steps_values_never_recited():
    """Pins "Can you encode or decode strings for …, then compute hash or HMAC of that result"."""
    assert chosen(action("Encode or decode strings (base64, url, hex)."), ["decode", "aGk="]).imperative() == \
        "decode strings"
    assert chosen(action("Encode or decode strings (base64, url, hex)."), ["hello"]).imperative() == "encode strings"
    assert chosen(action("Compute hash or HMAC of a string."), ["sha256"]).imperative() == "compute hash of a string"
    v = _view("Encode or decode strings (base64, url, hex).",
              {"text": "Hannah: visit Rocky Mountain AgriCo.", "operation": "encode", "encoding": "base64"},
              {"text": None, "operation": "enum", "encoding": "enum"})
    said = GENERIC.fuzzy(v)
    assert said == 'encode strings with the text "Hannah: visit Rocky Mountain AgriCo."'  # quoted content, no 'set to'
    assert wording_problems(said) == []


def test_a_description_that_names_the_parameter_it_is_called_by_is_said_without_it():
    """Pins "get details of a specific task by 'taskId'": how the tool is called, recited with a schema name."""
    assert action("Get details of a specific task by 'taskId'").imperative() == "get details of a specific task"
    assert action("Get a user by user_id").imperative() == "get the user"
    assert action("Search by keyword").imperative() == "search by keyword"
    # the tool that makes what it takes goes with its participle, never leaving "a cart created"
    assert action("Check out a cart created by add_to_cart.").imperative() == "check out a cart"
    assert action("Read an order created by place_order.").imperative() == "get the order"
    assert action("Read an order created by hand.").imperative() == "get the order created by hand"


# --- chains worded as a numbered step list ("…, then …, then …, and tell me …") ----------------------------------


def _palette_chain(second_kind: str) -> list[StepView]:
    a = _view("Compute the full pairwise contrast matrix of a palette.", {"colors": ["#264653", "#2A9D8F"]},
              {"colors": "[colour]"})
    b = StepView(index=1, server="srv", tool="harmony", description="Generate an OKLCH harmony palette from a colour.",
                 args={}, bound={"base": 0}, picks={"base": ("colour", 1, 5)}, kinds={"base": "colour"},
                 params={"base": ""})
    c = StepView(index=2, server="srv", tool="contrast", description="Compute the contrast for one fg/bg pair.",
                 args={"bg": "#F5F5F5"}, bound={"fg": 1}, picks={"fg": (second_kind, 0, 5)},
                 kinds={"fg": "colour", "bg": "colour"}, params={"fg": "", "bg": ""})
    return [a, b, c]


def test_a_long_chain_of_unlabelled_values_is_worded_from_its_question_back_not_as_a_step_list():
    """Pins "work out the contrast matrix of …, then generate a palette from the second colour it lists, then work
    out the contrast for … the first colour code it lists …, and tell me …": a three-hop walk whose values no label
    names was a step list; its values are now named by their kinds and the request asks its question first."""
    said = from_the_question(_palette_chain("hexcode"), "what the ratio is")
    assert said == ("what the ratio is if you compute the contrast for one fg/bg pair with the first colour code as "
                    "the foreground colour and the white #F5F5F5 as the background colour, where the colour codes "
                    "come from generating an OKLCH harmony palette from the second colour; and the colours come from "
                    "computing the full pairwise contrast matrix of the colours #264653 and #2A9D8F")
    assert ", then " not in said and wording_problems(said) == []


def test_two_results_that_would_both_be_called_the_same_keep_the_step_by_step_form():
    """Two earlier results both 'the colours' could not be told apart in 'where … comes from'."""
    assert from_the_question(_palette_chain("colour"), "what the ratio is") is None


# --- a listing's entry asked for by its bare name ("what the async is") ------------------------------------------


def test_an_entry_of_a_listing_is_asked_for_with_the_listings_noun_never_by_its_bare_name():
    """Pins "list all edge style presets, and tell me what the async is": an indented 'NAME: value' line under a
    heading is an entry of the listing, named with the heading's noun."""
    presets = ("Edge style presets:\n  ASYNC: endArrow=open;endFill=0;html=1;dashed=1;\n"
               "  BIDIRECTIONAL: endArrow=classic;startArrow=classic;html=1;\n")
    ask, _ = salient(presets, "srv/style")
    assert ask.fuzzy == "what the async edge style preset is"
    assert ask.answer == "The async edge style preset is {value}."
    assert salient("Connection ports:\n  BOTTOM: x=0.5, y=1\n  LEFT: x=0, y=0.5\n", "srv/ports")[0].fuzzy == \
        "what the bottom connection port is"
    # a field of a record is still asked by its own label
    assert salient("commit 1eb578f\nAuthor: Tomás Reis <t@example.com>\n", "srv/show")[0].fuzzy == "who the author is"


def test_several_code_names_with_nothing_to_say_them_are_labels_never_nouns_nor_values_by_position():
    """Pins "… two CMYK colors with a c1 of the value, a m1 of 12, …" and its first fix's "… with the number, 12
    colors, 3 colors, …": code names are said as labels."""
    names = ["c1", "m1", "y1"]
    v = StepView(index=1, server="srv", tool="delta", description="Calculate the difference between two CMYK colors.",
                 args={"m1": 12, "y1": 3}, bound={"c1": 0}, labels={"c1": "the number"},
                 kinds=dict.fromkeys(names, "number"), params=dict.fromkeys(names, ""))
    said = GENERIC.fuzzy(v)
    assert said.endswith("with C1 set to the number, M1 set to 12 and Y1 set to 3"), said
    assert "a c1 of" not in said and "colors, 3" not in said and wording_problems(said) == []


def test_an_imperative_before_a_quantity_is_a_verb_and_a_manner_is_never_replaced_by_the_value():
    """Pins "work out the draw several individual compounds …" and "draw one compound as ammonia"."""
    assert action("Draw several individual compounds as separate files") == \
        action("draw several individual compounds as separate files")
    assert action("Draw several individual compounds as separate files").verb == "draw"
    assert action("Sketch one compound as a 2D structure").verb == "sketch"  # a verb no list holds
    assert action("Tangent function").verb is None and action("Sum of the values").verb is None
    drawn = GENERIC.fuzzy(_view("Sketch one compound as a 2D structure.", {"name_or_smiles": "ammonia"},
                                {"name_or_smiles": "compound"}))
    assert drawn == "sketch one compound as a 2D structure for ammonia"  # was "… as ammonia"
    weather = GENERIC.fuzzy(_view("Get the weather for a city.", {"city": "Lisbon"}, {"city": "city"}))
    assert weather == "get the weather for Lisbon"


def test_a_tool_named_get_x_by_id_is_worded_as_getting_the_x_for_the_value_given():
    # a recipe server's descriptions are in Chinese, so its tools are worded from their names: "get recipe by id for
    # <a recipe's name>" said the value was an id
    said = action("根据菜谱名称或ID查询指定菜谱", "mcp_cook_getRecipeById").applied("红烧鱼")
    assert said == "get the recipe for 红烧鱼"
    assert action("按名称", "get_user_by_name").applied("Ada") == "get the user for Ada"
    assert action("按名称", "list_items_by_owner").applied("Ada") == "list items by owner for Ada"  # not a handle: kept
    assert action("按名称", "get_by_id").applied("7") == "get by id for 7"  # nothing left to get: as named


def test_a_description_that_starts_with_report_is_a_getter_not_a_report_to_look_up():
    # a wage server's "Report the OEWS data year this server answers from." was worded "look up the report the OEWS
    # data year this server answers from"
    said = action("Report the OEWS data year this server answers from.", "detect_latest_year").imperative()
    assert said == "get the OEWS data year this server answers from"
    assert action("Reports the status of the build.", "status").imperative() == "get the status of the build"


def test_no_article_stands_before_a_possessive():
    from task_synth.grammar import no_article_before_possessive

    assert no_article_before_possessive("with a my reservation of 0.5 and the my offer history 40") == \
        "with my reservation of 0.5 and my offer history 40"
    assert no_article_before_possessive("the mystery of the myth, an our-time classic") == \
        "the mystery of the myth, an our-time classic"  # words that only begin like one


def test_a_collection_that_is_not_its_items_is_said_with_of():
    from task_synth.phrases import _collection

    assert _collection("opponent_offer_history", [40], "40", "") == "the opponent offer history of 40"
    assert _collection("price_series", [1, 2, 3], "1, 2 and 3", "") == "the price series of 1, 2 and 3"
    assert _collection("values", [1, 2], "1 and 2", "") == "the values 1 and 2"  # the items themselves
    assert _collection("files", ["a.pdf"], "a.pdf", "") == "the file a.pdf"


def test_a_field_named_by_a_preposition_is_answered_as_a_person_says_it():
    """Pins "The from is Dana Whitfield." (the reference answer of a memo's sender, read from a 'From:' line)."""
    memo = "# Price update\n\nFrom: Dana Whitfield\nDate: 2026-09-22\n\nList prices rise 4 % on 1 November.\n"
    ask, rx = salient(memo, "srv/read_memo")
    assert (ask.fuzzy, ask.answer, extract(rx, memo)) == ("who it is from", "It is from {value}.", "Dana Whitfield")
    assert the_value_is("to") == "It is addressed to {value}." and the_value_is("total") == "The total is {value}."
    assert the_value_is("business days") == "The business days are {value}."


def test_a_figure_keyed_by_a_column_name_is_asked_with_the_field_it_sits_under():
    """Pins "tell me what the product is" -> 0 (a profiler's missing-value count of the column 'Product', asked as if
    it were the product) and "what the list price is" -> the mean (the median sat beside it)."""
    overview = json.dumps({"features": ["Product", "SKU"], "missing_values": {"Product": 0, "SKU": 0},
                           "data_types": {"Product": "object", "SKU": "object"}}, indent=2)
    ask, rx = salient(overview, "srv/profile")
    assert ask.fuzzy in ("how many missing values there are for SKU", "how many missing values there are for Product")
    assert extract(rx, overview) == "0"
    summary = json.dumps({"mean": {"List price EUR": 1070.0}, "median": {"List price EUR": 1150.0}}, indent=2)
    ask, rx = salient(summary, "srv/summary")
    assert ask.fuzzy == "what the mean for List price EUR is" and extract(rx, summary) == "1070.0"
    # a key that only wraps adds nothing, and a field that is a name for a figure is asked as before
    assert salient(json.dumps({"data": {"Units sold": 12}}), "srv/sales")[0].fuzzy == "what the units sold is"
    assert salient(json.dumps({"order": {"total_price": 12.5}}), "srv/order")[0].fuzzy == "what the total price is"
