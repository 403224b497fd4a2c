"""Rendering a CheckReport: the rich report card, JSON, JUnit XML, and the exit code."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from mcpbench.check.ci import Comparison
from mcpbench.check.model import CATEGORIES, REGISTRY, CheckReport, CheckResult, FailOn

GLYPH = {"pass": ("✓", "green"), "warn": ("!", "yellow"), "fail": ("✗", "bold red"), "skip": ("–", "dim"),
         "info": ("i", "cyan")}
DETAILS_SHOWN = 3


def exit_code(report: CheckReport, fail_on: FailOn = "error") -> int:
    """1 when any check fails (or warns, with fail_on='warn'), else 0."""
    return 1 if report.failing(fail_on) else 0


def counts(report: CheckReport) -> dict[str, int]:
    out = {k: 0 for k in GLYPH}
    for r in report.results:
        out[r.status] += 1
    return out


def _title(r: CheckResult) -> str:
    entry = REGISTRY.get(r.id)
    return entry[0].title if entry else r.id


def _category_table(rows: list[CheckResult], verbose: bool) -> Table:
    table = Table(show_header=False, box=None, pad_edge=False, padding=(0, 1))
    table.add_column(width=1, no_wrap=True)
    table.add_column(no_wrap=True)
    table.add_column(ratio=1)
    for r in rows:
        glyph, style = GLYPH[r.status]
        bad = r.status in ("warn", "fail")
        table.add_row(Text(glyph, style=style), Text(_title(r), style="bold" if bad else ""),
                      Text.assemble(r.summary, (f"  [{r.id}]" if verbose or bad else "", "dim")))
        if verbose or bad:
            limit = None if verbose else DETAILS_SHOWN
            for d in r.details[:limit]:
                table.add_row("", "", Text(f"· {d}", style="" if bad else "dim"))
            if limit is not None and len(r.details) > limit:
                table.add_row("", "", Text(f"· … {len(r.details) - limit} more (-v or --json)", style="dim"))
        if r.hint and bad:
            table.add_row("", "", Text(f"→ {r.hint}", style="italic"))
    return table


def render(report: CheckReport, console: Console, *, fail_on: FailOn = "error", verbose: bool = False) -> None:
    """Print the report card."""
    who = " ".join(x for x in (report.server_name, report.server_version) if x) or "unknown server"
    versions = " · ".join(f"{m} {v}" for m, v in report.protocol_versions.items() if v) or "no handshake"
    console.print(Panel(Text.assemble((who, "bold"), "\n", (report.target, "dim"), "\n",
                                      f"{report.transport} · {versions} · {report.seconds:.1f}s"),
                        title="mcpbench check", expand=False))
    for cat in CATEGORIES:
        rows = [r for r in report.results if r.category == cat]
        if not rows:
            continue
        console.print(Text(cat.upper(), style="bold underline"))
        console.print(_category_table(rows, verbose))
        console.print()
    if report.tools:
        table = Table(title="Tools", title_justify="left", show_edge=False, pad_edge=False)
        for col in ("tool", "sha256", "calls", "p50 ms", "p95 ms", "max bytes", "note"):
            table.add_column(col, justify="right" if col in ("calls", "p50 ms", "p95 ms", "max bytes") else "left")
        for tl in report.tools:
            table.add_row(tl.name, tl.sha256 if verbose else tl.sha256[:16] + "…", str(tl.calls),
                          f"{tl.p50_ms:.1f}" if tl.p50_ms is not None else "–",
                          f"{tl.p95_ms:.1f}" if tl.p95_ms is not None else "–", str(tl.max_bytes), tl.skipped or "")
        console.print(table)
        console.print()
    c = counts(report)
    bad = report.failing(fail_on)
    verdict = Text.assemble(
        (f"{c['pass']} passed", "green"), " · ", (f"{c['warn']} warnings", "yellow" if c["warn"] else ""), " · ",
        (f"{c['fail']} failed", "bold red" if c["fail"] else ""), " · ", f"{c['skip']} skipped", " · ",
        f"{c['info']} info", "  →  ",
        (f"FAIL (fail-on {fail_on}: {', '.join(r.id for r in bad)})", "bold red") if bad else ("OK", "bold green"))
    console.print(verdict)


def render_comparison(comparison: Comparison, console: Console) -> None:
    """Print what got worse and what got better since the baseline (`--baseline`)."""
    if comparison.regressions:
        console.print(Text(f"{len(comparison.regressions)} regression(s) since the baseline:", style="bold red"))
        for c in comparison.regressions:
            console.print(Text(f"  ✗ {c.id}: {c.what}"))
    else:
        console.print(Text("no regression since the baseline", style="bold green"))
    for c in comparison.improvements:
        console.print(Text(f"  ✓ {c.id}: {c.what}", style="green"))


def to_json(report: CheckReport) -> str:
    return report.model_dump_json(indent=2)


def to_junit(report: CheckReport, fail_on: FailOn = "error") -> str:
    """JUnit XML: one testsuite per category, one testcase per check. Failures (and warnings with fail_on='warn')
    are <failure>; warnings otherwise go to <system-out>; skipped checks are <skipped>."""
    root = ET.Element("testsuites", name="mcpbench check", time=f"{report.seconds:.2f}")
    failing = {r.id for r in report.failing(fail_on)}
    total = fails = skips = 0
    for cat in CATEGORIES:
        rows = [r for r in report.results if r.category == cat]
        if not rows:
            continue
        suite = ET.SubElement(root, "testsuite", name=f"{cat}", tests=str(len(rows)))
        n_fail = n_skip = 0
        for r in rows:
            case = ET.SubElement(suite, "testcase", classname=f"mcpbench.check.{cat}", name=r.id)
            body = "\n".join([*r.details, *([f"hint: {r.hint}"] if r.hint else [])])
            if r.id in failing:
                n_fail += 1
                el = ET.SubElement(case, "failure", message=r.summary, type=r.status)
                el.text = body
            elif r.status == "skip":
                n_skip += 1
                ET.SubElement(case, "skipped", message=r.summary)
            else:
                out = ET.SubElement(case, "system-out")
                out.text = f"{r.status.upper()}: {r.summary}" + (f"\n{body}" if body else "")
        suite.set("failures", str(n_fail))
        suite.set("skipped", str(n_skip))
        suite.set("errors", "0")
        total += len(rows)
        fails += n_fail
        skips += n_skip
    root.set("tests", str(total))
    root.set("failures", str(fails))
    root.set("skipped", str(skips))
    root.set("errors", "0")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


__all__ = ["counts", "exit_code", "render", "render_comparison", "to_json", "to_junit"]
