"""World topics: slices of Brightwater's facts that seeding writes into a server, with a question a person would ask.

Each topic is a small table read from the world's operations database (`mcpbench/data/world/db/company.sql`):
the records to write, a distinctive value that must show in the final state, and a question whose answer is computed
from those records (a total, a count) — so a task reads "keep these in X, and tell me how much / how many …".
"""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from mcpbench.world import SOURCE_DIR


class Condition(BaseModel):
    """Which records a measure keeps: column `column` compared with `value` (ISO dates compare as text)."""

    model_config = ConfigDict(frozen=True)

    column: int
    op: Literal["<", ">=", "in"]
    value: str | list[str]

    def holds(self, row: list[Any]) -> bool:
        v = row[self.column]
        if self.op == "in":
            return v in self.value
        return bool(v < self.value) if self.op == "<" else bool(v >= self.value)


class Measure(BaseModel):
    """What a topic's question computes, as data, so a program can compute it too (worldcalc's code runners)."""

    model_config = ConfigDict(frozen=True)

    op: Literal["sum", "count", "mean"]
    column: int = -1
    """The figure summed or averaged (unused by counts)."""
    where: Condition | None = None

    def kept(self, rows: list[list[Any]]) -> list[list[Any]]:
        return [r for r in rows if self.where is None or self.where.holds(r)]

    def evaluate(self, rows: list[list[Any]]) -> float | int:
        """The world's own arithmetic (rounded to cents)."""
        kept = self.kept(rows)
        if self.op == "count":
            return len(kept)
        total = sum(r[self.column] for r in kept)
        return round(total / len(kept) if self.op == "mean" else total, 2)


class TopicQuestion(BaseModel):
    """Another question on a topic's records, with its measure (the answer is computed from the records, never
    written by hand)."""

    model_config = ConfigDict(frozen=True)

    question: str
    precise: str
    answer_text: str
    measure: Measure
    relative: bool = False


class Topic(BaseModel):
    """A slice of the world to record somewhere, and what a person wants to know about it."""

    model_config = ConfigDict(frozen=True)

    key: str
    """Short name used in file and list names ('products')."""
    title: str
    """What the records are, for a sentence ('our active products with their list prices')."""
    noun: str
    columns: list[str]
    rows: list[list[Any]]
    markers: list[str]
    """Distinctive values of the first and last record: they must show in the final state."""
    question: str
    """Fuzzy: 'what one of each would cost together'."""
    precise: str
    answer: float | int
    answer_text: str
    """The reference answer, '{value}' standing for the answer."""
    relative: bool = False
    """The answer is money: checked with a small relative tolerance."""
    measure: Measure | None = None
    """How `answer` is computed from `rows` (it must agree with `answer`)."""
    others: tuple[TopicQuestion, ...] = ()
    """Other questions a person might ask of the same records (`asked`): more tasks from one seeded chain."""
    then: str = ""
    """A change asked for once the records are kept ('mark it as done': followups.py), '' for none."""
    kept_as: str = ""
    """The kind of item the records are kept as, when the change needs one ('a task'), '' when any will do."""

    def asked(self, k: int) -> Topic | None:
        """The topic asked its k-th other question (k ≥ 1; 0 is the topic itself), None past the last."""
        if k == 0:
            return self
        if not 0 < k <= len(self.others):
            return None
        q = self.others[k - 1]
        return self.model_copy(update={"question": q.question, "precise": q.precise, "answer_text": q.answer_text,
                                       "measure": q.measure, "relative": q.relative,
                                       "answer": q.measure.evaluate(self.rows)})

    def lines(self) -> list[str]:
        """One line per record: 'Weather Station Mini (BW-WS-100, weather, 480)'."""
        out = []
        for r in self.rows:
            rest = ", ".join(_fmt(v) for v in r[1:])
            out.append(f"{_fmt(r[0])} ({rest})" if rest else _fmt(r[0]))
        return out

    def rendered_answer(self) -> str:
        return self.answer_text.replace("{value}", _fmt(self.answer))


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.2f}" if not v.is_integer() else str(int(v))
    return str(v)


@cache
def _db() -> sqlite3.Connection:
    con = sqlite3.connect(":memory:", check_same_thread=False)
    con.executescript((SOURCE_DIR / "db" / "company.sql").read_text(encoding="utf-8"))
    return con


def _rows(sql: str) -> list[list[Any]]:
    return [list(r) for r in _db().execute(sql).fetchall()]


def _q(question: str, precise: str, answer_text: str, measure: Measure, relative: bool = False) -> TopicQuestion:
    return TopicQuestion(question=question, precise=precise, answer_text=answer_text, measure=measure,
                         relative=relative)


@cache
def world_topics() -> tuple[Topic, ...]:
    """Every topic, in a fixed order (seeding draws among them with its seed)."""
    products = _rows("SELECT name, sku, category, list_price FROM products WHERE status = 'active' "
                     "AND category IN ('weather', 'air', 'water', 'soil') ORDER BY sku")
    price_total = round(sum(r[3] for r in products), 2)
    customers = _rows("SELECT name, city, country, customer_since FROM customers "
                      "WHERE segment IN ('government', 'agriculture') ORDER BY customer_id")
    before_2023 = sum(1 for r in customers if r[3] < "2023-01-01")
    people = _rows("SELECT e.name, e.title, e.department, e.hired FROM employees e "
                   "WHERE e.office_id = 'LIS' ORDER BY e.employee_id")
    early = sum(1 for r in people if r[3] < "2020-01-01")
    engineers = _rows("SELECT e.name, e.title, o.city, e.hired FROM employees e JOIN offices o USING (office_id) "
                      "WHERE e.department = 'Engineering' ORDER BY e.employee_id")
    recent = sum(1 for r in engineers if r[3] >= "2022-01-01")
    weather = _rows("SELECT name, sku, status, list_price FROM products WHERE category = 'weather' ORDER BY sku")
    weather_total = round(sum(r[3] for r in weather), 2)
    orders = _rows("SELECT o.order_id, c.name, o.order_date, o.status, ROUND(SUM(i.quantity * i.unit_price), 2) "
                   "FROM orders o JOIN customers c USING (customer_id) JOIN order_items i USING (order_id) "
                   "WHERE o.order_date >= '2026-01-01' GROUP BY o.order_id ORDER BY o.order_id DESC LIMIT 6")
    delivered = round(sum(r[4] for r in orders if r[3] in ("delivered", "shipped")), 2)
    topics = [
        Topic(key="products", title="our sensor products with their SKUs, categories and list prices (EUR)",
              noun="product", columns=["Product", "SKU", "Category", "List price EUR"], rows=products,
              markers=[products[0][0], products[-1][0]],
              question="what buying one of each would come to, in euros",
              precise="the total list price of one of each product (EUR)", answer=price_total,
              answer_text="One of each comes to {value} EUR.", relative=True,
              measure=Measure(op="sum", column=3),
              others=(_q("what one of them costs on average, in euros", "the mean list price of these products (EUR)",
                         "On average one costs {value} EUR.", Measure(op="mean", column=3), relative=True),
                      _q("what one of each weather product would come to, in euros",
                         "the total list price of one of each product in the weather category (EUR)",
                         "One of each weather product comes to {value} EUR.",
                         Measure(op="sum", column=3, where=Condition(column=2, op="in", value=["weather"])),
                         relative=True))),
        Topic(key="customers", title="our government and agriculture customers (city, country, customer since)",
              noun="customer", columns=["Customer", "City", "Country", "Customer since"], rows=customers,
              markers=[customers[0][0], customers[-1][0]],
              question="how many of them have been customers since before 2023",
              precise="how many of these customers have a customer-since date before 2023-01-01",
              answer=before_2023, answer_text="{value} of them have been customers since before 2023.",
              measure=Measure(op="count", where=Condition(column=3, op="<", value="2023-01-01")),
              others=(_q("how many of them became customers in 2022 or later",
                         "how many of these customers have a customer-since date on or after 2022-01-01",
                         "{value} of them became customers in 2022 or later.",
                         Measure(op="count", where=Condition(column=3, op=">=", value="2022-01-01"))),
                      _q("how many of them became customers before 2025",
                         "how many of these customers have a customer-since date before 2025-01-01",
                         "{value} of them became customers before 2025.",
                         Measure(op="count", where=Condition(column=3, op="<", value="2025-01-01"))))),
        Topic(key="lisbon-team", title="the people in our Lisbon office (title, department, hire date)",
              noun="person", columns=["Name", "Title", "Department", "Hired"], rows=people,
              markers=[people[0][0], people[-1][0]],
              question="how many of them joined before 2020",
              precise="how many of these people were hired before 2020-01-01", answer=early,
              answer_text="{value} of them joined before 2020.",
              measure=Measure(op="count", where=Condition(column=3, op="<", value="2020-01-01")),
              others=(_q("how many of them joined before March 2020",
                         "how many of these people were hired before 2020-03-01",
                         "{value} of them joined before March 2020.",
                         Measure(op="count", where=Condition(column=3, op="<", value="2020-03-01"))),)),
        Topic(key="engineers", title="our engineers (title, office, hire date)", noun="engineer",
              columns=["Name", "Title", "Office", "Hired"], rows=engineers, markers=[engineers[0][0], engineers[-1][0]],
              question="how many of them joined in 2022 or later",
              precise="how many of these engineers were hired on or after 2022-01-01", answer=recent,
              answer_text="{value} of them joined in 2022 or later.",
              measure=Measure(op="count", where=Condition(column=3, op=">=", value="2022-01-01")),
              others=(_q("how many of them work outside Lisbon",
                         "how many of these engineers are in an office other than Lisbon",
                         "{value} of them work outside Lisbon.",
                         Measure(op="count", where=Condition(column=2, op="in", value=["Singapore", "Denver",
                                                                                       "Auckland"]))),
                      _q("how many of them joined before 2021", "how many of these engineers were hired before "
                         "2021-01-01", "{value} of them joined before 2021.",
                         Measure(op="count", where=Condition(column=3, op="<", value="2021-01-01"))))),
        Topic(key="weather-line", title="our weather product line (SKU, status, list price in EUR)",
              noun="product", columns=["Product", "SKU", "Status", "List price EUR"], rows=weather,
              markers=[weather[0][0], weather[-1][0]],
              question="what one of each would cost together, in euros",
              precise="the total list price of one of each of these products (EUR)", answer=weather_total,
              answer_text="One of each comes to {value} EUR.", relative=True,
              measure=Measure(op="sum", column=3),
              others=(_q("what one of each of the active ones would cost together, in euros",
                         "the total list price of one of each product whose status is active (EUR)",
                         "One of each active product comes to {value} EUR.",
                         Measure(op="sum", column=3, where=Condition(column=2, op="in", value=["active"])),
                         relative=True),
                      _q("what one of them costs on average, in euros",
                         "the mean list price of these products (EUR)", "On average one costs {value} EUR.",
                         Measure(op="mean", column=3), relative=True))),
        Topic(key="orders-2026", title="this year's orders (customer, order date, status, value in EUR)",
              noun="order", columns=["Order", "Customer", "Order date", "Status", "Value EUR"], rows=orders,
              markers=[orders[0][0], orders[-1][0]],
              question="what the delivered and shipped ones add up to, in euros",
              precise="the total value (EUR) of the orders whose status is delivered or shipped",
              answer=delivered, answer_text="The delivered and shipped orders add up to {value} EUR.",
              relative=True, measure=Measure(op="sum", column=4,
                                             where=Condition(column=3, op="in", value=["delivered", "shipped"])),
              others=(_q("what the pending ones add up to, in euros",
                         "the total value (EUR) of the orders whose status is pending",
                         "The pending orders add up to {value} EUR.",
                         Measure(op="sum", column=4, where=Condition(column=3, op="in", value=["pending"])),
                         relative=True),
                      _q("how many of them are still pending", "how many of these orders have the status pending",
                         "{value} of them are still pending.",
                         Measure(op="count", where=Condition(column=3, op="in", value=["pending"]))))),
    ]
    return tuple(t for t in topics if t.rows)


__all__ = ["Condition", "Measure", "Topic", "TopicQuestion", "world_topics"]
