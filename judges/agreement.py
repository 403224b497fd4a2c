"""Krippendorff's alpha: agreement between judges (coders) over units, with missing values allowed."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from typing import Literal

Level = Literal["interval", "nominal"]


def krippendorff_alpha(data: Sequence[Sequence[float | None]], *, level: Level = "interval") -> float | None:
    """Alpha for reliability data given as rows = coders, columns = units (None = missing).

    alpha = 1 - D_o / D_e over pairable values (units with at least two values):
    D_o = (1/n) * sum_u (1/(m_u - 1)) * sum_{i != j in u} delta(v_i, v_j),
    D_e = (1/(n (n - 1))) * sum_{i != j over all pairable values} delta(v_i, v_j),
    delta = (a - b)^2 (interval) or [a != b] (nominal). Returns None when there are fewer than two pairable values or
    no variation at all (D_e = 0: alpha is undefined).
    """
    if not data:
        return None
    width = max(len(row) for row in data)
    columns = [[v for row in data if u < len(row) and (v := row[u]) is not None] for u in range(width)]
    units = [u for u in columns if len(u) >= 2]
    pooled = [v for u in units for v in u]
    n = len(pooled)
    if n < 2:
        return None

    def pair_sum(values: Sequence[float]) -> float:
        """sum over ordered pairs i != j of delta(v_i, v_j), in closed form."""
        m = len(values)
        if level == "interval":
            s = math.fsum(values)
            return 2.0 * m * math.fsum(v * v for v in values) - 2.0 * s * s
        counts = Counter(values)
        return float(m * m - sum(c * c for c in counts.values()))

    d_o = sum(pair_sum(u) / (len(u) - 1) for u in units) / n
    d_e = pair_sum(pooled) / (n * (n - 1))
    if d_e <= 1e-12:
        return None
    return 1.0 - d_o / d_e


__all__ = ["Level", "krippendorff_alpha"]
