"""Retrieval quality of `servers search` / `search_tools` rankers on the labelled query set (after ToolRet).

    python benchmarks/retrieval.py [--json] [--catalog tools.json] [--queries FILE] [--refresh] [--misses]

Lists the default fleet's tools (from the catalog cache when warm, else live), ranks every labelled query with each
ranker (bm25, embedding, hybrid) and prints recall@1 and recall@5 (formula in docs/metrics.md). Target: recall@5 ≥ 0.9
for the best ranker. `--catalog` takes a `mcpbench servers tools --json` dump instead of the live fleet (the tools it
marks quarantined are skipped, as the fleet skips them).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from mcpbench.catalog import ToolEntry
from mcpbench.retrieval_eval import catalog_from_dump, evaluate, load_queries
from mcpbench.search import RANKERS

TARGET = 0.9


def _catalog(path: Path | None, refresh: bool) -> list[ToolEntry]:
    if path is not None:
        return catalog_from_dump(json.loads(path.read_text()))
    import anyio

    from mcpbench.catalog_cache import fleet_catalog
    from mcpbench.config import load_config

    specs = load_config(None).enabled()
    catalog, failed, _live = anyio.run(lambda: fleet_catalog(specs, refresh=refresh))
    if failed:
        print(f"warning: servers not listed: {failed}", file=sys.stderr)
    return catalog.entries()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--catalog", type=Path)
    ap.add_argument("--queries", type=Path)
    ap.add_argument("--refresh", action="store_true")
    ap.add_argument("--misses", action="store_true", help="print the queries each ranker misses at k=5")
    args = ap.parse_args()
    entries = _catalog(args.catalog, args.refresh)
    queries = load_queries(args.queries)
    rows = []
    for name in sorted(RANKERS):
        t0 = time.perf_counter()
        q = evaluate(entries, queries, name)
        rows.append({**q.model_dump(), "seconds": round(time.perf_counter() - t0, 2)})
    best = max(r["recall"][5] for r in rows)
    if args.json:
        print(json.dumps({"tools": len(entries), "queries": len(queries), "rankers": rows, "target_recall5": TARGET,
                          "pass": best >= TARGET}, indent=2))
    else:
        print(f"{len(queries)} labelled queries over {len(entries)} tools; settings tuned on the even-numbered half, "
              "the odd half is held out")
        print(f"{'ranker':<10} {'all @1':>7} {'@5':>6}   {'tuning (even) @1':>16} {'@5':>6}   "
              f"{'held-out (odd) @1':>17} {'@5':>6} {'seconds':>8}")
        for r in rows:
            even, odd = r["halves"]["even"], r["halves"]["odd"]
            print(f"{r['ranker']:<10} {r['recall'][1]:>7.3f} {r['recall'][5]:>6.3f}   {even[1]:>16.3f} "
                  f"{even[5]:>6.3f}   {odd[1]:>17.3f} {odd[5]:>6.3f} {r['seconds']:>8.2f}")
            if args.misses:
                for m in r["misses"]:
                    print(f"    miss: {m}")
        print(f"best recall@5 {best:.3f} (target ≥ {TARGET}): {'PASS' if best >= TARGET else 'FAIL'}")
    return 0 if best >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
