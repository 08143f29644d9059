"""One row per chart engine: the factory end to end against that engine's own limit, same charts.

    .venv/bin/python bench/bench_engines.py [--samples 120] [--rounds 2] [--workers 2] [--seed 7]

For each engine and round: (a) factory: `generate` with `engines: {<engine>: 1}` end to end
(sampling, legibility, targets, PNG, tar, manifest) with N worker processes; (b) limit: the very
specs the factory kept, drawn and encoded by the engine alone (Matplotlib `draw` + PNG; Plotly
one reused page, `newPlot` + screenshot; Vega-Lite one converter, spec -> SVG -> PNG), in N
spawned processes, browser start and bundle load included as the factory's are. Engines and
phases alternate across rounds (this machine's speed drifts). Prints samples/s, factory/limit
per engine (target >= 0.85) and each engine's limit milliseconds per chart.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ENGINES = ("matplotlib", "plotly", "vega_lite")


def spec_from_json(source: dict):
    from bench_charts import spec_from_json as base

    spec = base(source)
    spec.engine = source.get("engine", "matplotlib")
    return spec


def limit_worker(engine: str, sources: list[dict]) -> int:
    from factory.images import encode

    specs = [spec_from_json(s) for s in sources]
    total = 0
    if engine == "matplotlib":
        from renderers.matplotlib_renderer import draw

        for spec in specs:
            total += len(encode(draw(spec).image(), "png", png_compress_level=1))
    elif engine == "plotly":
        from factory.plotly_code import plotly_figure, resolved_figure
        from renderers.plotly_renderer import PlotlyRenderer

        renderer = PlotlyRenderer()
        for spec in specs:
            total += len(renderer.draw_figure(resolved_figure(plotly_figure(spec)[0]), spec.width_px, spec.height_px)[0])
        renderer.close()
    else:
        from factory.vega_code import vega_spec
        from renderers.vega_renderer import VegaLiteRenderer

        renderer = VegaLiteRenderer()
        for spec in specs:
            total += len(renderer.draw_spec(vega_spec(spec))[0])
    return total


def run(engine: str, index: int, args, tmp: Path) -> dict[str, float]:
    from bench_charts import read_samples

    from factory.generate import generate
    from factory.recipe import load_recipe

    n = args.samples // args.rounds
    resolved = load_recipe("charts", {"samples": n, "seed": args.seed + index, "shard.samples": max(1, n // (args.workers * 4)),
                                      "generators.charts.engines": {engine: 1}})  # fmt: skip
    out = tmp / f"{engine}-{index}"
    t0 = time.perf_counter()
    manifest = generate(resolved, str(out), workers=args.workers)
    factory = time.perf_counter() - t0
    sources = [s["source"] for s in read_samples(out)]
    chunks = [sources[i :: args.workers] for i in range(args.workers)]
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
        list(pool.map(limit_worker, [engine] * args.workers, chunks))
    limit = time.perf_counter() - t0
    return {"factory": factory, "limit": limit, "kept": manifest["samples"]["total"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=120)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    totals = {e: {"factory": 0.0, "limit": 0.0, "kept": 0} for e in ENGINES}
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.rounds):
            order = ENGINES if index % 2 == 0 else tuple(reversed(ENGINES))
            for engine in order:
                r = run(engine, index, args, Path(tmp))
                for k in totals[engine]:
                    totals[engine][k] += r[k]
                print(f"round {index + 1} {engine:<10} {r['kept']:.0f} charts  factory {r['factory']:.1f} s  limit {r['limit']:.1f} s  "
                      f"factory/limit {r['limit'] / r['factory']:.2f}", flush=True)
    print(f"{'engine':<10} {'factory/s':>10} {'limit/s':>10} {'factory/limit':>14} {'limit ms/chart (per process)':>30}")
    for engine, t in totals.items():
        per_chart = t["limit"] * args.workers / max(t["kept"], 1) * 1000
        print(f"{engine:<10} {t['kept'] / t['factory']:10.1f} {t['kept'] / t['limit']:10.1f} {t['limit'] / t['factory']:14.2f} {per_chart:30.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
