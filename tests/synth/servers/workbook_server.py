"""A small MCP server (stdio) over the spreadsheets in its working directory, built to exercise dependent listers
and lone reads (task_synth/listers.py, sampling.lone_reads): its reads take a `file_path` and a `sheet_name`, and
only `list_sheets(file_path)` says which sheets a workbook has. No read's output feeds another read, so no walk of
two hops exists. Standard library only: an .xlsx is a zip whose workbook.xml names the sheets; a CSV is one sheet
named after the file."""

import csv
import json
import re
import zipfile
from pathlib import Path

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

mcp = MCPServer("workbook", version="0.1.0")


def _sheets(file_path: str) -> dict[str, list[list[str]]]:
    p = Path(file_path)
    if not p.is_file():
        raise ToolError(f"no such file: {file_path}")
    if p.suffix == ".csv":
        with p.open(newline="", encoding="utf-8") as f:
            return {p.stem: list(csv.reader(f))}
    if p.suffix != ".xlsx":
        raise ToolError(f"not a workbook: {file_path}")
    with zipfile.ZipFile(p) as z:
        names = re.findall(r'<sheet [^>]*name="([^"]+)"', z.read("xl/workbook.xml").decode())
        out = {}
        for i, name in enumerate(names, 1):
            xml = z.read(f"xl/worksheets/sheet{i}.xml").decode()
            out[name] = [re.findall(r"<c ", row) for row in re.findall(r"<row[^>]*>(.*?)</row>", xml, re.DOTALL)]
        return out


@mcp.tool()
def list_sheets(file_path: str) -> str:
    """List the sheet names of a workbook (.xlsx), or the single sheet of a .csv file.

    Args:
        file_path: Path to the .xlsx or .csv file.
    """
    return json.dumps({"sheets": [{"name": n, "rows": len(r)} for n, r in _sheets(file_path).items()]})


@mcp.tool()
def sheet_size(file_path: str, sheet_name: str) -> str:
    """Count the data rows and columns of one sheet.

    Args:
        file_path: Path to the .xlsx or .csv file.
        sheet_name: Sheet name (list_sheets gives them).
    """
    sheets = _sheets(file_path)
    if sheet_name not in sheets:
        raise ToolError(f"no sheet {sheet_name!r} in {file_path}; use list_sheets")
    rows = sheets[sheet_name]
    return json.dumps({"sheet": sheet_name, "data_rows": max(0, len(rows) - 1),
                       "columns": max((len(r) for r in rows), default=0)})


if __name__ == "__main__":
    mcp.run()
