"""CI outputs of `mcpbench check`: regressions against a baseline report, SARIF 2.1.0, and a status badge (SVG).

A baseline is a previous `--json` report. Only what got worse counts (docs/check.md, "CI"):
- a check whose status got worse (pass/info/skip < warn < fail), or a check new since the baseline that fails;
- a new finding in a check that warns or fails now (detail lines compared with digits masked, so latencies and
  sizes do not count);
- a lower description-quality score, a higher usability-model miss rate, or a tool list that grew by at least
  TOKEN_GROWTH and at least TOKEN_STEP tokens.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pydantic import BaseModel, ValidationError

from mcpbench.check.model import REGISTRY, CheckReport, CheckResult, FailOn

MAX_BASELINE_BYTES = 20 * 1024 * 1024
TOKEN_GROWTH = 0.10
TOKEN_STEP = 500
"""Tool-list token growth counts as a regression only when it is at least 10 % and at least 500 tokens."""
RANK = {"pass": 0, "info": 0, "skip": 0, "warn": 1, "fail": 2}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class BaselineError(ValueError):
    """The baseline file is missing, too large or not a check report (the message says which)."""


class Change(BaseModel):
    """One thing that got worse (or better) since the baseline."""

    id: str
    what: str


class Comparison(BaseModel):
    regressions: list[Change]
    improvements: list[Change]


def load_baseline(path: Path) -> CheckReport:
    """Read a previous `--json` report. Raises BaselineError (never reads more than MAX_BASELINE_BYTES)."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_BASELINE_BYTES + 1)
    except OSError as e:
        raise BaselineError(f"cannot read the baseline {path}: {e.strerror or e}") from e
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"the baseline {path} is larger than {MAX_BASELINE_BYTES // (1024 * 1024)} MiB: not a "
                            "check report")
    try:
        return CheckReport.model_validate_json(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = "/".join(map(str, first["loc"])) or "the top level"
        raise BaselineError(f"the baseline {path} is not a `mcpbench check --json` report: {first['msg']} at "
                            f"{where}") from e


def _mask(line: str) -> str:
    return re.sub(r"\d+(\.\d+)?", "#", line)


def _finding_keys(r: CheckResult) -> set[str]:
    if r.id == "schemas.description_quality" and "findings" in r.data:
        return {f"{f.get('tool')}.{f.get('param')}:{f['rule']}" for f in r.data["findings"]}
    return {_mask(d) for d in r.details}


def _num(r: CheckResult | None, key: str) -> float | None:
    v = r.data.get(key) if r is not None else None
    return float(v) if isinstance(v, (int, float)) else None


def compare(current: CheckReport, baseline: CheckReport) -> Comparison:
    """What got worse and what got better since `baseline`."""
    old = {r.id: r for r in baseline.results}
    worse: list[Change] = []
    better: list[Change] = []
    for r in current.results:
        b = old.get(r.id)
        if b is None:
            if r.status == "fail":
                worse.append(Change(id=r.id, what=f"new check fails: {r.summary}"))
            continue
        if RANK[r.status] > RANK[b.status]:
            worse.append(Change(id=r.id, what=f"{b.status} → {r.status}: {r.summary}"))
        elif RANK[r.status] < RANK[b.status]:
            better.append(Change(id=r.id, what=f"{b.status} → {r.status}"))
        elif RANK[r.status] > 0:
            new = sorted(_finding_keys(r) - _finding_keys(b))
            if new:
                worse.append(Change(id=r.id, what=f"{len(new)} new finding(s): {'; '.join(new[:3])}"))
        for key, higher_is_worse, label in (("score", False, "score"), ("total_tokens", True, "tool-list tokens"),
                                            ("miss_rate", True, "miss rate")):
            now, then = _num(r, key), _num(b, key)
            if now is None or then is None or now == then:
                continue
            got_worse = now > then if higher_is_worse else now < then
            if key == "total_tokens" and got_worse and now - then < max(then * TOKEN_GROWTH, TOKEN_STEP):
                continue  # small growth (often the price of better descriptions) is not a regression
            (worse if got_worse else better).append(Change(id=r.id, what=f"{label} {then:g} → {now:g}"))
    return Comparison(regressions=worse, improvements=better)


# ---- SARIF ----------------------------------------------------------------------------------------------------------
def _level(status: str) -> str:
    return "error" if status == "fail" else "warning"


def _tool_of(line: str, tools: set[str]) -> str | None:
    head = re.split(r"[:\s(]", line, maxsplit=1)[0]
    base = head.split(".")[0] if head not in tools else head
    return head if head in tools else (base if base in tools else None)


def to_sarif(report: CheckReport, *, artifact: str = ".", fail_on: FailOn = "error") -> str:
    """SARIF 2.1.0: one rule per registered check, one result per finding (detail line) of a warning or failing
    check. `artifact` is the repository path results point at (code-scanning UIs need one)."""
    rules = [{"id": info.id, "name": info.id.replace(".", "_"), "shortDescription": {"text": info.title},
              "fullDescription": {"text": info.why}, "help": {"text": info.hint or info.why},
              "defaultConfiguration": {"level": {"error": "error", "warn": "warning", "info": "note"}[info.severity]},
              "properties": {"category": info.category}}
             for info, _ in REGISTRY.values()]
    tools = {t.name for t in report.tools}
    results: list[dict[str, Any]] = []
    for r in report.results:
        if r.status not in ("warn", "fail"):
            continue
        for line in r.details or [r.summary]:
            tool = _tool_of(line, tools)
            loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": {"uri": artifact}}}
            if tool:
                loc["logicalLocations"] = [{"name": tool, "kind": "function"}]
            fingerprint = hashlib.sha256(f"{r.id}|{_mask(line)}".encode()).hexdigest()[:32]
            results.append({"ruleId": r.id, "level": _level(r.status),
                            "message": {"text": f"{line}" + (f"\n{r.hint}" if r.hint else "")},
                            "locations": [loc], "partialFingerprints": {"mcpbenchFinding/v1": fingerprint}})
    from mcpbench import __version__

    sarif = {"$schema": SARIF_SCHEMA, "version": "2.1.0",
             "runs": [{"tool": {"driver": {"name": "mcpbench check", "version": __version__,
                                           "informationUri": "https://github.com/mcpbench/mcpbench", "rules": rules}},
                       "properties": {"target": report.target, "server": report.server_name,
                                      "failing": [r.id for r in report.failing(fail_on)]},
                       "results": results}]}
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


# ---- badge ----------------------------------------------------------------------------------------------------------
COLOURS = {"pass": "#4c1", "warn": "#dfb317", "fail": "#e05d44"}


def badge_text(report: CheckReport, fail_on: FailOn = "error") -> tuple[str, str]:
    """(message, colour key): 'pass', 'N warnings' or 'N failing', with the description score when there is one."""
    fails = [r for r in report.results if r.status == "fail"]
    warns = [r for r in report.results if r.status == "warn"]
    if report.failing(fail_on):
        msg, key = (f"{len(fails)} failing" if fails else f"{len(warns)} warnings"), "fail"
    elif warns:
        msg, key = f"{len(warns)} warning{'s' if len(warns) > 1 else ''}", "warn"
    else:
        msg, key = "pass", "pass"
    score = next((r.data.get("score") for r in report.results if r.id == "schemas.description_quality"), None)
    if isinstance(score, int):
        msg += f" · {score}/100"
    return msg, key


def _width(text: str) -> int:
    return 7 * len(text) + 10


def to_badge(report: CheckReport, fail_on: FailOn = "error", label: str = "mcp check") -> str:
    """A flat status badge in the shields.io style, self-contained SVG."""
    msg, key = badge_text(report, fail_on)
    lw, mw = _width(label), _width(msg)
    total = lw + mw
    colour = COLOURS[key]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
            f'aria-label="{escape(label)}: {escape(msg)}"><title>{escape(label)}: {escape(msg)}</title>'
            f'<rect width="{lw}" height="20" fill="#555"/><rect x="{lw}" width="{mw}" height="20" fill="{colour}"/>'
            f'<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
            f'<text x="{lw / 2:.1f}" y="14">{escape(label)}</text>'
            f'<text x="{lw + mw / 2:.1f}" y="14">{escape(msg)}</text></g></svg>\n')


__all__ = ["BaselineError", "Change", "Comparison", "badge_text", "compare", "load_baseline", "to_badge", "to_sarif"]
