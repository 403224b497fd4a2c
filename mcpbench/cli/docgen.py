"""Regenerate the Reference section of docs/cli.md from the typer app: `python -m mcpbench.cli.docgen [DOC]`.

The section is typer's own markdown (`typer mcpbench.cli utils docs`), its headings nested one level under the page's
"## Reference"; everything above that heading is hand-written and kept."""

from __future__ import annotations

import html
import subprocess
import sys
import tempfile
from pathlib import Path

MARKER = "## Reference"


def reference() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cli.md"
        subprocess.run([sys.executable, "-m", "typer", "mcpbench.cli", "utils", "docs", "--name", "mcpbench",
                        "--output", str(out)], check=True, capture_output=True)
        text = html.unescape(out.read_text(encoding="utf-8"))
    text = text.replace("# `mcpbench`", "## `mcpbench`", 1)
    return "\n".join("#" + line if line.startswith(("## `mcpbench ", "### `mcpbench")) else line
                     for line in text.splitlines()) + "\n"


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    doc = Path(args[0] if args else "docs/cli.md")
    text = doc.read_text(encoding="utf-8")
    head = text[:text.index(MARKER)] if MARKER in text else text.rstrip() + "\n\n"
    doc.write_text(f"{head}{MARKER}\n\n{reference()}", encoding="utf-8")


if __name__ == "__main__":
    main()
