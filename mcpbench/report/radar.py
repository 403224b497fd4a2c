"""Radar charts: radar.png / radar.svg with matplotlib (Agg, no pyplot state) and a small hand-written inline SVG
for report.html (text escaped, a <title> tooltip on every point, the 95% CI drawn as a band)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
"""matplotlib's tab10, shared by the PNG/SVG files and the HTML so a model keeps its colour everywhere."""


@dataclass(frozen=True)
class Series:
    """One model on a radar: value, lower and upper CI bound per axis (None = undefined, drawn as 0)."""

    label: str
    values: dict[str, float | None]
    lo: dict[str, float | None] | None = None
    hi: dict[str, float | None] | None = None


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _label(axis: str) -> str:
    return axis.replace("_", " ")


def save_radar_images(series: list[Series], axes: list[str], out_dir: Path, *, title: str) -> dict[str, Path]:
    """radar.png and radar.svg: every model on one radar, values in [0, 1]. Deterministic output (no dates/ids)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    angles = [2 * math.pi * i / len(axes) for i in range(len(axes))]
    with matplotlib.rc_context({"svg.hashsalt": "mcpbench-radar", "svg.fonttype": "none", "font.size": 9}):
        fig = Figure(figsize=(7.5, 6.5), dpi=110)
        FigureCanvasAgg(fig)
        ax: Any = fig.add_subplot(projection="polar")
        ax.set_theta_offset(math.pi / 2)
        ax.set_theta_direction(-1)
        ax.set_ylim(0, 1)
        ax.set_yticks([0.25, 0.5, 0.75, 1.0])
        ax.set_yticklabels(["0.25", "0.5", "0.75", "1"], color="#666666")
        ax.set_xticks(angles)
        ax.set_xticklabels([_label(a) for a in axes])
        closed = [*angles, angles[0]]
        for i, s in enumerate(series):
            vals = [s.values.get(a) or 0.0 for a in axes]
            ax.plot(closed, [*vals, vals[0]], color=colour(i), linewidth=1.8, label=s.label)
            ax.fill(closed, [*vals, vals[0]], color=colour(i), alpha=0.08)
        if series:
            ax.legend(loc="upper right", bbox_to_anchor=(1.32, 1.12), fontsize=8, frameon=False)
        ax.set_title(title, pad=22)
        fig.tight_layout()
        png, svg = out_dir / "radar.png", out_dir / "radar.svg"
        fig.savefig(png, format="png", metadata={"Software": None})
        fig.savefig(svg, format="svg", metadata={"Date": None, "Creator": None})
    return {"png": png, "svg": svg}


def _point(cx: float, cy: float, r: float, angle: float) -> tuple[float, float]:
    return cx + r * math.sin(angle), cy - r * math.cos(angle)


def _poly(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def radar_svg(series: list[Series], axes: list[str], *, size: int = 320, colours: list[str] | None = None,
              css_class: str = "radar") -> str:
    """An inline <svg> radar (no script, every label escaped). Several series overlay; CI bands when lo/hi given."""
    pad = 80
    cx = cy = size / 2 + pad
    r = size / 2
    n = len(axes)
    ang = [2 * math.pi * i / n for i in range(n)]
    box = size + 2 * pad
    parts = [(f'<svg class="{escape(css_class)}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {box} {box}" '
              'role="img" aria-label="radar chart">')]
    for level in (0.25, 0.5, 0.75, 1.0):
        parts.append(f'<polygon class="grid" points="{_poly([_point(cx, cy, r * level, a) for a in ang])}"/>')
    for theta, name in zip(ang, axes):
        x, y = _point(cx, cy, r, theta)
        lx, ly = _point(cx, cy, r + 14, theta)
        anchor = "middle" if abs(math.sin(theta)) < 0.2 else ("start" if math.sin(theta) > 0 else "end")
        parts.append(f'<line class="axis" x1="{cx:.1f}" y1="{cy:.1f}" x2="{x:.1f}" y2="{y:.1f}"/>')
        words = _label(name).split(" ")
        lines = [" ".join(words)] if len(_label(name)) <= 10 else words
        top = ly + 4 - 6 * (len(lines) - 1)
        spans = "".join(f'<tspan x="{lx:.1f}" y="{top + 12 * i:.1f}">{escape(w)}</tspan>' for i, w in enumerate(lines))
        parts.append(f'<text class="axis-label" text-anchor="{anchor}">{spans}</text>')
    for i, s in enumerate(series):
        c = escape((colours or [])[i] if colours and i < len(colours) else colour(i))
        if s.lo is not None and s.hi is not None:
            outer = [_point(cx, cy, r * (s.hi.get(a) or 0.0), t) for a, t in zip(axes, ang)]
            inner = [_point(cx, cy, r * (s.lo.get(a) or 0.0), t) for a, t in zip(axes, ang)]
            path = f"M{_poly(outer[:1])} L{_poly(outer[1:])} Z M{_poly(inner[:1])} L{_poly(inner[1:])} Z"
            parts.append(f'<path class="ci" fill-rule="evenodd" d="{path}" fill="{c}" fill-opacity="0.18"/>')
        pts = [_point(cx, cy, r * (s.values.get(a) or 0.0), t) for a, t in zip(axes, ang)]
        parts.append(f'<polygon class="series" data-model="{escape(s.label)}" points="{_poly(pts)}" stroke="{c}" '
                     f'fill="{c}" fill-opacity="0.10"/>')
        for a, (x, y) in zip(axes, pts):
            v = s.values.get(a)
            ci = ""
            if s.lo is not None and s.hi is not None and s.lo.get(a) is not None and s.hi.get(a) is not None:
                ci = f" [{s.lo[a]:.3f}, {s.hi[a]:.3f}]"
            shown = "n/a" if v is None else f"{v:.3f}"
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{c}"><title>{escape(s.label)} · '
                         f'{escape(_label(a))}: {shown}{ci}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


__all__ = ["PALETTE", "Series", "colour", "radar_svg", "save_radar_images"]
