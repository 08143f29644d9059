"""One row per chart engine: the factory end to end against that engine's own limit, same charts,
steady state.

    .venv/bin/python bench/bench_engines.py [--charts 160] [--rounds 4] [--workers 2] [--shard 8]
                                            [--engines matplotlib,plotly,vega_lite] [--seed 7]

Both sides run in the same N long-lived worker processes (spawned once), as a real run's workers
live for thousands of charts: a warm-up round (not counted) starts each process's browser, loads
plotly.js and the vl-convert runtime and fills the font caches on both sides, then every round
times steady-state work only.

- factory: the round's shards of one `charts` recipe with `engines: {<engine>: 1}` (all the
  types that engine draws), each written by `write_shard` with the process's `Workshop`: exactly
  what a local run's worker does per shard (sampling, rendering, legibility and contrast checks
  with their redraws, targets, PNG, json, tar, stats).
- limit: the very charts the factory kept, as drawn (repairs applied), drawn and encoded by the
  engine alone, nothing measured or written: Matplotlib `Figure` + Agg + PNG; Plotly one reused
  page, `Plotly.newPlot` + CDP screenshot of figures built beforehand; Vega-Lite one
  converter, spec -> SVG -> PNG. Charts are dealt to the processes round-robin. (Plotly figures go
  to the page as JSON naming a template the page holds, as the factory sends them: the cheapest
  way in.)

Rounds interleave engines; within a round the two sides take turns in steps of one shard per
process (a few seconds each), the order alternating step by step (a step that times the limit
first draws the previous step's charts), because this machine's speed drifts within seconds.
Each round prints both rates and its ratio, and both sides' CPU per chart (the worker and every
process under it: Playwright's driver, Chromium; steadier than rates on a shared machine); the summary gives totals, the per-round spread of
factory/limit (target >= 0.85) and each engine's milliseconds per chart per process.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ENGINES = ("matplotlib", "plotly", "vega_lite")
_STATE: dict = {}  # per worker process: one Workshop per engine recipe, one limit renderer per engine

_PLAIN_DRAW_JS = """async (a) => {
  const el = document.getElementById('chart');
  const fig = JSON.parse(a.fig);
  if (typeof fig.layout.template === 'string') fig.layout.template = TEMPLATES[fig.layout.template];
  Plotly.purge(el);
  await Plotly.newPlot(el, fig.data, fig.layout, a.config);
  await document.fonts.ready;
}"""


def recipe_for(engine: str, charts: int, shard: int, seed: int) -> dict:
    from factory.generators.chart_engines import ENGINE_TYPES
    from factory.recipe import load_recipe

    resolved = load_recipe("charts", {"samples": charts, "seed": seed, "shard.samples": shard, "splits": {"train": 1.0},
                                      "generators.charts.engines": {engine: 1},
                                      "generators.charts.chart_types": list(ENGINE_TYPES[engine])})  # fmt: skip
    return resolved.as_dict()


def tree_cpu() -> float:
    """CPU seconds used so far by this process and every process under it (Playwright's driver,
    the browsers and their helpers), from /proc: the machine is shared, so wall rates drift
    with other people's work while CPU per chart does much less."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, used = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
        used[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    mine, total = {os.getpid()}, 0.0
    for pid in sorted(parent):  # children have larger pids but not always: walk up instead
        p, seen = pid, 0
        while p in parent and p not in mine and seen < 64:
            p, seen = parent[p], seen + 1
        if p in mine:
            mine.add(pid)
    for pid in mine:
        total += used.get(pid, 0.0)
    return total


def timed_cpu(fn, *args):
    c0 = tree_cpu()
    out = fn(*args)
    return out, tree_cpu() - c0


def factory_task(engine: str, recipe_data: dict, out_url: str, shard) -> tuple[int, float]:
    """One shard, as the local executor's worker writes it; returns the samples kept and the CPU seconds."""
    return timed_cpu(_factory_shard, engine, recipe_data, out_url, shard)


def _factory_shard(engine: str, recipe_data: dict, out_url: str, shard) -> int:
    from factory.dataset.shards import write_shard
    from factory.dataset.storage import Store
    from factory.recipe import recipe_from_dict
    from factory.samples import Workshop

    key = ("workshop", engine)
    if key not in _STATE:
        _STATE[key] = Workshop(recipe_from_dict(recipe_data))
    stats = write_shard(_STATE[key], Store(out_url), shard)
    return int(stats["samples"])


def limit_task(engine: str, jobs: list) -> tuple[int, float]:
    """Draw and encode prepared charts with the engine alone; returns the bytes made and the CPU seconds."""
    return timed_cpu(_limit_charts, engine, jobs)


def _limit_charts(engine: str, jobs: list) -> int:
    from factory.images import encode

    total = 0
    if engine == "matplotlib":
        from bench_charts import spec_from_json

        from renderers.matplotlib_renderer import draw

        for source in jobs:
            total += len(encode(draw(spec_from_json(source)).image(), "png", png_compress_level=1))
    elif engine == "plotly":
        import base64

        from factory.chart_code.plotly_code import PLOTLY_CONFIG
        from renderers.plotly_renderer import PlotlyRenderer

        renderer = _STATE.setdefault(("limit", engine), PlotlyRenderer())
        renderer._ensure_browser()
        tab = renderer._plot_tab()
        for fig, width, height in jobs:
            tab.resize(width, height)
            tab.page.evaluate(_PLAIN_DRAW_JS, {"fig": fig, "config": PLOTLY_CONFIG})
            shot = tab.cdp.send("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True,
                                                           "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}})  # fmt: skip
            total += len(base64.b64decode(shot["data"]))
    else:
        from renderers.vega_renderer import VegaLiteRenderer

        renderer = _STATE.setdefault(("limit", engine), VegaLiteRenderer())
        for vl in jobs:
            total += len(renderer.draw_spec(vl)[0])
    return total


def limit_jobs(engine: str, sources: list[dict]) -> list:
    """What the engine alone is given: the drawn spec (Matplotlib), the resolved figure (Plotly),
    the Vega-Lite spec (Vega-Lite); made before the clock starts."""
    from bench_charts import spec_from_json

    if engine == "matplotlib":
        return sources
    out = []
    for source in sources:
        spec = spec_from_json(source)
        spec.engine = engine
        if engine == "plotly":
            from factory.chart_code.plotly_code import plotly_figure

            out.append((json.dumps(plotly_figure(spec)[0]), spec.width_px, spec.height_px))
        else:
            from factory.chart_code.vega_code import vega_spec

            out.append(vega_spec(spec))
    return out


def read_sources(folder: Path, names: list[str]) -> list[dict]:
    import tarfile

    from factory.meta import unpack

    out = []
    for name in names:
        with tarfile.open(folder / name) as tar:
            for member in tar:
                if member.name.endswith(".json"):
                    out.append(unpack(json.loads(tar.extractfile(member).read()))["source"])
    return out


class Engine:
    def __init__(self, name: str, args, tmp: Path):
        from factory.plan import plan_shards
        from factory.recipe import recipe_from_dict

        self.name = name
        total = args.charts * (args.rounds + 1)
        self.recipe = recipe_for(name, total, args.shard, args.seed)
        self.out = tmp / name
        self.out.mkdir()
        shards = plan_shards(recipe_from_dict(self.recipe))
        per_round = len(shards) // (args.rounds + 1)
        self.rounds = [shards[i * per_round : (i + 1) * per_round] for i in range(args.rounds + 1)]
        self.previous: list = []
        self.rows: list[dict] = []

    def factory(self, pool: ProcessPoolExecutor, index: int, shards: list | None = None) -> tuple[int, float]:
        shards = self.rounds[index] if shards is None else shards
        t0 = time.perf_counter()
        done = list(pool.map(factory_task, [self.name] * len(shards), [self.recipe] * len(shards), [str(self.out)] * len(shards), shards))
        elapsed = time.perf_counter() - t0
        kept = sum(k for k, _ in done)
        self.cpu = sum(c for _, c in done)
        self.current = limit_jobs(self.name, read_sources(self.out, [s.filename for s in shards]))
        return kept, elapsed

    def limit(self, pool: ProcessPoolExecutor, jobs: list, workers: int) -> tuple[int, float]:
        chunks = [jobs[i::workers] for i in range(workers)]
        t0 = time.perf_counter()
        done = list(pool.map(limit_task, [self.name] * workers, chunks))
        self.cpu = sum(c for _, c in done)
        return len(jobs), time.perf_counter() - t0

    def round(self, pool: ProcessPoolExecutor, index: int, workers: int) -> dict:
        """The round's shards in steps of `workers` shards (one a process): each step times the
        factory on its shards and the limit on the same charts, in turn, the order alternating
        step by step (a step first timing the limit draws the previous step's charts). Steps of a
        few seconds: this machine's drift falls on both sides alike."""
        shards = self.rounds[index]
        row = {"kept": 0, "factory": 0.0, "drawn": 0, "limit": 0.0, "factory_cpu": 0.0, "limit_cpu": 0.0}
        for k in range(0, len(shards), workers):
            step = shards[k : k + workers]
            if (k // workers) % 2 == 0 or not self.previous:
                kept, ft = self.factory(pool, index, step)
                row["factory_cpu"] += self.cpu
                n, lt = self.limit(pool, self.current, workers)
                row["limit_cpu"] += self.cpu
            else:
                n, lt = self.limit(pool, self.previous, workers)
                row["limit_cpu"] += self.cpu
                kept, ft = self.factory(pool, index, step)
                row["factory_cpu"] += self.cpu
            self.previous = self.current
            row["kept"] += kept
            row["factory"] += ft
            row["drawn"] += n
            row["limit"] += lt
        row["ratio"] = (row["kept"] / row["factory"]) / (row["drawn"] / row["limit"])
        row["cpu_ratio"] = (row["limit_cpu"] / row["drawn"]) / (row["factory_cpu"] / row["kept"])
        return row


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--charts", type=int, default=160, help="charts per engine per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--shard", type=int, default=8, help="charts per shard (the factory hands out whole shards)")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
        state = {e: Engine(e, args, Path(tmp)) for e in engines}
        for e in engines:  # warm-up: start-up of both sides, not counted
            t0 = time.perf_counter()
            st = state[e]
            _, _ = st.factory(pool, 0)
            st.limit(pool, st.current, args.workers)
            st.previous = st.current
            print(f"warm-up {e:<10} {time.perf_counter() - t0:.1f} s (start-up and {args.charts} charts, not counted)", flush=True)
        for r in range(1, args.rounds + 1):
            order = engines if r % 2 else list(reversed(engines))
            for e in order:
                st = state[e]
                row = st.round(pool, r, args.workers)
                st.rows.append(row)
                kept, ft, n, lt = row["kept"], row["factory"], row["drawn"], row["limit"]
                print(f"round {r} {e:<10} factory {kept / ft:6.1f}/s ({kept} kept in {ft:5.1f} s)  limit {n / lt:6.1f}/s ({n} in {lt:5.1f} s)"
                      f"  factory/limit {row['ratio']:.2f}  CPU ms/chart {1000 * row['factory_cpu'] / kept:.0f} vs {1000 * row['limit_cpu'] / n:.0f}"
                      f" ({row['cpu_ratio']:.2f})  load {os.getloadavg()[0]:.1f}", flush=True)  # fmt: skip
    print(f"\n{'engine':<10} {'factory/s':>9} {'limit/s':>8} {'factory/limit':>13} {'rounds (min-max)':>17} {'limit ms/chart':>15} {'factory ms/chart':>17}")
    for e in engines:
        rows = state[e].rows
        f_rate = sum(r["kept"] for r in rows) / sum(r["factory"] for r in rows)
        l_rate = sum(r["drawn"] for r in rows) / sum(r["limit"] for r in rows)
        ratios = [r["ratio"] for r in rows]
        print(f"{e:<10} {f_rate:9.1f} {l_rate:8.1f} {f_rate / l_rate:13.2f} {min(ratios):8.2f}-{max(ratios):.2f} (median {statistics.median(ratios):.2f})"
              f" {1000 * args.workers / l_rate:8.0f} {1000 * args.workers / f_rate:17.0f}")  # fmt: skip
    for e in engines:
        rows = state[e].rows
        f_cpu = sum(r["factory_cpu"] for r in rows) / sum(r["kept"] for r in rows)
        l_cpu = sum(r["limit_cpu"] for r in rows) / sum(r["drawn"] for r in rows)
        print(f"{e:<10} CPU per chart (worker, driver, browser): factory {1000 * f_cpu:.0f} ms, limit {1000 * l_cpu:.0f} ms: limit/factory {l_cpu / f_cpu:.2f}")
    print("ms/chart are per process (N processes draw at once); target factory/limit >= 0.85 per engine")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
