"""Office files of the fixture world: spreadsheets, Word documents and a PDF, generated from the world's sources.

Every file is derived from records that already exist in the world (the sqlite database, the analytics script, the
markdown memos), so the spreadsheet, document and PDF servers of the fleet see the same facts as the database and
filesystem servers. The writers are minimal, dependency-free and deterministic: the same sources give the same bytes
(fixed zip timestamps, sorted members, no creation dates), so the world's content hash keeps naming one build.

Layout added to a built world::

    sheets/orders.csv          one row per order with its customer, office, rep and total (EUR)
    sheets/order_items.csv     one row per order line
    sheets/sales_targets.csv   quarterly sales targets per office (from db/analytics.sql)
    sheets/brightwater.xlsx    the same three tables as the sheets Orders, OrderItems, Targets
    office/memos/*.docx        every memo and meeting note as a Word document (headings, bullets, paragraphs)
    office/policies/*.pdf      every policy as a one-column text PDF
    handbook/<folder>/NN-*.md  the shared drive as structured documents (one document per docs/ folder, one chapter
                               per file, numbered in name order) for the document server
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

Cell = str | int | float | None
_ZIP_DATE = (2026, 1, 1, 0, 0, 0)

_ORDERS_SQL = """
SELECT o.order_id, o.order_date, o.status, o.customer_id, c.name AS customer, c.country AS customer_country,
       o.ship_office_id AS office_id, e.name AS sales_rep,
       ROUND(SUM(i.quantity * i.unit_price), 2) AS total_eur, SUM(i.quantity) AS units
FROM orders o JOIN customers c USING (customer_id) JOIN employees e ON e.employee_id = o.sales_rep_id
JOIN order_items i USING (order_id)
GROUP BY o.order_id ORDER BY o.order_id
"""
_ITEMS_SQL = """
SELECT i.order_id, i.sku, p.name AS product, i.quantity, i.unit_price AS unit_price_eur,
       ROUND(i.quantity * i.unit_price, 2) AS line_total_eur
FROM order_items i JOIN products p USING (sku) ORDER BY i.order_id, i.sku
"""


def build_office(world_root: Path, analytics_sql: Path) -> dict[str, int]:
    """Write sheets/ and office/ under ``world_root`` (which already holds db/company.db and docs/).

    Returns relative path → size in bytes of every file written, for the manifest.
    """
    con = sqlite3.connect(world_root / "db" / "company.db")
    try:
        orders = _query(con, _ORDERS_SQL)
        items = _query(con, _ITEMS_SQL)
    finally:
        con.close()
    targets = _sales_targets(analytics_sql)
    written: dict[str, Path] = {}
    sheets = world_root / "sheets"
    sheets.mkdir(parents=True, exist_ok=True)
    for name, table in (("orders", orders), ("order_items", items), ("sales_targets", targets)):
        path = sheets / f"{name}.csv"
        write_csv(path, table[0], table[1])
        written[f"sheets/{name}.csv"] = path
    xlsx = sheets / "brightwater.xlsx"
    write_xlsx(xlsx, {"Orders": [orders[0], *orders[1]], "OrderItems": [items[0], *items[1]],
                      "Targets": [targets[0], *targets[1]]})
    written["sheets/brightwater.xlsx"] = xlsx
    docs = world_root / "docs"
    for folder in ("memos", "meetings"):
        for md in sorted((docs / folder).glob("*.md")):
            out = world_root / "office" / "memos" / f"{md.stem}.docx"
            write_docx(out, markdown_blocks(md.read_text(encoding="utf-8")))
            written[f"office/memos/{out.name}"] = out
    for md in sorted((docs / "policies").glob("*.md")):
        out = world_root / "office" / "policies" / f"{md.stem}.pdf"
        write_pdf(out, [text for _, text in markdown_blocks(md.read_text(encoding="utf-8"))])
        written[f"office/policies/{out.name}"] = out
    for doc_dir in sorted(p for p in docs.iterdir() if p.is_dir()):
        for n, md in enumerate(sorted(doc_dir.glob("*.md")), 1):
            out = world_root / "handbook" / doc_dir.name / f"{n:02d}-{md.name}"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(md.read_bytes())
            written[f"handbook/{doc_dir.name}/{out.name}"] = out
    return {rel: path.stat().st_size for rel, path in sorted(written.items())}


def _query(con: sqlite3.Connection, sql: str) -> tuple[list[str], list[list[Cell]]]:
    cur = con.execute(sql)
    header = [d[0] for d in cur.description]
    return header, [list(r) for r in cur.fetchall()]


def _sales_targets(analytics_sql: Path) -> tuple[list[str], list[list[Cell]]]:
    """The sales_targets table of the analytics script (DuckDB SQL that sqlite also accepts for these statements)."""
    text = analytics_sql.read_text(encoding="utf-8")
    stmts = [s for s in text.split(";") if re.search(r"\b(CREATE TABLE|INSERT INTO)\s+sales_targets\b", s)]
    con = sqlite3.connect(":memory:")
    try:
        for stmt in stmts:
            con.execute(stmt)
        return _query(con, "SELECT office_id, quarter, target_eur FROM sales_targets ORDER BY quarter, office_id")
    finally:
        con.close()


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> None:
    """RFC 4180 CSV with a header row, ``\\n`` line ends, UTF-8."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")


def _zip(path: Path, members: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name in members:  # [Content_Types].xml first, as Office writes it
            info = zipfile.ZipInfo(name, date_time=_ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, members[name].encode("utf-8"))


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def write_xlsx(path: Path, sheets: dict[str, list[Sequence[Cell]]]) -> None:
    """A workbook of plain sheets: numbers as numbers, text as inline strings, the first row as written."""
    names = list(sheets)
    members: dict[str, str] = {}
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(names) + 1))
    members["[Content_Types].xml"] = (
        _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{overrides}</Types>")
    members["_rels/.rels"] = (
        _XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
        f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_xml = "".join(f'<sheet name="{escape(n)}" sheetId="{i}" r:id="rId{i}"/>' for i, n in enumerate(names, 1))
    members["xl/workbook.xml"] = (
        _XML + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        f'xmlns:r="{_REL}"><sheets>{sheet_xml}</sheets></workbook>')
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, len(names) + 1))
    members["xl/_rels/workbook.xml.rels"] = _XML + f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>'
    for n, name in enumerate(names, 1):
        rows = []
        for r, row in enumerate(sheets[name], 1):
            cells = []
            for c, value in enumerate(row):
                ref = f"{_col(c)}{r}"
                if value is None:
                    continue
                if isinstance(value, bool) or not isinstance(value, int | float):
                    cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
                else:
                    cells.append(f'<c r="{ref}"><v>{value!r}</v></c>')
            rows.append(f'<row r="{r}">{"".join(cells)}</row>')
        members[f"xl/worksheets/sheet{n}.xml"] = (
            _XML + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{"".join(rows)}</sheetData></worksheet>')
    _zip(path, members)


def markdown_blocks(text: str) -> list[tuple[str, str]]:
    """Markdown → (style, text) blocks: ``Heading1``/``Heading2`` for #/## lines, ``ListBullet`` for ``- `` items,
    ``Normal`` for paragraphs (wrapped lines joined). Emphasis markers and backticks are dropped."""
    blocks: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(("Normal", " ".join(para)))
            para.clear()

    for raw in text.splitlines():
        line = re.sub(r"\*\*|`", "", raw.rstrip())
        if not line.strip():
            flush()
        elif m := re.match(r"^(#{1,6})\s+(.*)$", line):
            flush()
            blocks.append((f"Heading{min(len(m.group(1)), 2)}", m.group(2).strip()))
        elif m := re.match(r"^\s*[-*]\s+(.*)$", line):
            flush()
            blocks.append(("ListBullet", m.group(1).strip()))
        elif blocks and blocks[-1][0] == "ListBullet" and not para and raw.startswith("  "):
            blocks[-1] = ("ListBullet", f"{blocks[-1][1]} {line.strip()}")
        else:
            para.append(line.strip())
    flush()
    return blocks


_STYLES = {"Heading1": ("heading 1", 32), "Heading2": ("heading 2", 26), "ListBullet": ("List Bullet", 0)}


def write_docx(path: Path, blocks: Sequence[tuple[str, str]]) -> None:
    """A Word document whose paragraphs carry the built-in style ids Heading1, Heading2, ListBullet, Normal."""
    ns = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    body = []
    for style, text in blocks:
        ppr = "" if style == "Normal" else f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        body.append(f'<w:p>{ppr}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')
    styles = ['<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/></w:style>']
    for sid, (name, size) in _STYLES.items():
        rpr = f'<w:rPr><w:b/><w:sz w:val="{size}"/></w:rPr>' if size else ""
        styles.append(f'<w:style w:type="paragraph" w:styleId="{sid}"><w:name w:val="{name}"/>'
                      f'<w:basedOn w:val="Normal"/>{rpr}</w:style>')
    members = {
        "[Content_Types].xml": (
            _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.styles+xml"/></Types>'),
        "_rels/.rels": (
            _XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
            'Target="word/document.xml"/></Relationships>'),
        "word/_rels/document.xml.rels": (
            _XML + f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/styles" '
            'Target="styles.xml"/></Relationships>'),
        "word/document.xml": _XML + f'<w:document {ns}><w:body>{"".join(body)}</w:body></w:document>',
        "word/styles.xml": _XML + f'<w:styles {ns}>{"".join(styles)}</w:styles>',
    }
    _zip(path, members)


def _pdf_text(s: str) -> str:
    s = s.encode("latin-1", "replace").decode("latin-1")
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + 1 + len(word) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*out, line] if line else out


def write_pdf(path: Path, paragraphs: Sequence[str], *, width: int = 90, per_page: int = 60) -> None:
    """A text PDF (Helvetica 10 pt, A4): each paragraph wrapped at ``width`` characters, a blank line between."""
    lines: list[str] = []
    for p in paragraphs:
        lines.extend([*_wrap(p, width), ""])
    pages = [lines[i:i + per_page] for i in range(0, max(len(lines), 1), per_page)] or [[]]
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    kids = []
    for page in pages:
        ops = ["BT", "/F1 10 Tf", "12 TL", "50 800 Td"]
        ops += [f"({_pdf_text(ln)} ) Tj T*" for ln in page]  # trailing space: extractors join lines
        ops.append("ET")
        stream = "\n".join(ops).encode("latin-1")
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
        content_id = len(objs)
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                    b"/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
                    % content_id)
        kids.append(len(objs))
    objs[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (" ".join(f"{k} 0 R" for k in kids).encode(), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(out))


__all__ = ["build_office", "markdown_blocks", "write_csv", "write_docx", "write_pdf", "write_xlsx"]
