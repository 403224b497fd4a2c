"""The world's office files: derived from the database and the memos, valid containers, byte-identical rebuilds."""

from __future__ import annotations

import csv
import sqlite3
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest

from mcpbench.world import World
from mcpbench.world_office import markdown_blocks, write_pdf, write_xlsx

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return World.ensure(tmp_path_factory.mktemp("home"))


def test_two_builds_write_byte_identical_office_files(world: World, tmp_path: Path) -> None:
    other = World.ensure(tmp_path)
    assert other.manifest.office_files == world.manifest.office_files
    for rel in world.manifest.office_files:
        assert (other.root / rel).read_bytes() == (world.root / rel).read_bytes(), rel


def test_orders_csv_totals_are_the_sums_of_the_order_lines_in_the_database(world: World) -> None:
    con = sqlite3.connect(world.sqlite_path)
    want = dict(con.execute("SELECT order_id, ROUND(SUM(quantity * unit_price), 2) FROM order_items GROUP BY 1"))
    con.close()
    with (world.sheets_dir / "orders.csv").open(encoding="utf-8") as f:
        got = {r["order_id"]: float(r["total_eur"]) for r in csv.DictReader(f)}
    assert got == want and len(got) == world.manifest.db_rows["orders"]


def test_sales_targets_come_from_the_analytics_script(world: World) -> None:
    with (world.sheets_dir / "sales_targets.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 16
    assert {"office_id": "LIS", "quarter": "2026-Q3", "target_eur": "14000"} in rows


def test_the_workbook_has_three_sheets_with_numbers_stored_as_numbers(world: World) -> None:
    with zipfile.ZipFile(world.sheets_dir / "brightwater.xlsx") as z:
        assert z.testzip() is None
        book = ET.fromstring(z.read("xl/workbook.xml"))
        assert [s.get("name") for s in book.iter(f"{S}sheet")] == ["Orders", "OrderItems", "Targets"]
        targets = ET.fromstring(z.read("xl/worksheets/sheet3.xml"))
    rows = list(targets.iter(f"{S}row"))
    assert len(rows) == 17  # header + 16 targets
    third = list(rows[1].iter(f"{S}c"))[2]
    assert third.get("t") is None and third.find(f"{S}v") is not None


def test_the_memo_docx_keeps_the_heading_bullets_and_the_new_price(world: World) -> None:
    with zipfile.ZipFile(world.office_dir / "memos" / "2026-09-22-price-update.docx") as z:
        doc = ET.fromstring(z.read("word/document.xml"))
    paras = [("".join(t.text or "" for t in p.iter(f"{W}t")),
              next((s.get(f"{W}val") for s in p.iter(f"{W}pStyle")), "Normal")) for p in doc.iter(f"{W}p")]
    assert paras[0] == ("Memo: list price change for the Air Quality Monitor", "Heading1")
    assert any("EUR 1,350" in text for text, _ in paras)
    assert sum(style == "ListBullet" for _, style in paras) == 3


def test_markdown_blocks_join_wrapped_lines_and_continue_bullets() -> None:
    md = "# Title\n\nline one\nline two\n\n- item a\n  continued\n- item b\n"
    assert markdown_blocks(md) == [("Heading1", "Title"), ("Normal", "line one line two"),
                                   ("ListBullet", "item a continued"), ("ListBullet", "item b")]


def test_the_pdf_has_a_valid_xref_table_pointing_at_each_object(tmp_path: Path) -> None:
    path = tmp_path / "x.pdf"
    write_pdf(path, ["A paragraph (with parentheses) and a backslash \\ in it."] * 80)
    data = path.read_bytes()
    start = int(data.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    lines = data[start:].split(b"\n")
    count = int(lines[1].split()[1])
    offsets = [int(x.split()[0]) for x in lines[3:3 + count - 1]]
    for n, off in enumerate(offsets, 1):
        assert data[off:].startswith(b"%d 0 obj" % n)
    assert b"/Count 3" in data  # 80 one-line paragraphs + 80 blank lines = 160 lines, 60 a page
    assert b"\\(with parentheses\\)" in data


def test_a_workbook_cell_of_text_that_looks_like_xml_is_escaped(tmp_path: Path) -> None:
    path = tmp_path / "x.xlsx"
    write_xlsx(path, {"S": [["a<b>&c", 1.5, None, 7]]})
    with zipfile.ZipFile(path) as z:
        sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    cells = list(sheet.iter(f"{S}c"))
    assert [c.get("r") for c in cells] == ["A1", "B1", "D1"]
    assert "".join(cells[0].itertext()) == "a<b>&c"
