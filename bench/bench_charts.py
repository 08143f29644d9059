"""Chart factory throughput against the Matplotlib limit and a naive loop, on the same charts.

    .venv/bin/python bench/bench_charts.py [--samples 800] [--rounds 4] [--workers 2] [--seed 7]
                                           [--shard-size K]

Each round makes samples/rounds charts three ways and times each way:
(a) factory: `generate` end to end (sampling, legibility checks, targets, PNG, tar, stats, manifest)
    with N worker processes, process start-up included: a fresh run every round.
(b) limit:   the very charts the factory kept, drawn by the factory's own `draw` (Figure + Agg,
    nothing measured) and encoded with the same PNG settings, nothing else, in N freshly spawned
    processes, start-up included.
(c) naive:   one process, the same charts as their chart_to_code pyplot scripts: figure, savefig(PNG),
    close, written with webdataset.TarWriter. Its imports happen before the clock starts.

Why rounds: a shared 2-core VM changes speed by up to 50% within a minute, so three phases run one
after the other compare different machines. Rounds alternate the order of limit and naive and
the figures are totals over all rounds; the per-round spread of each ratio is printed too.
Shards hold samples/rounds/(workers*8) charts unless --shard-size says otherwise: the factory hands
out whole shards, so a worker may idle while the last shard of a short run is finished.

The machine line measures how much work N processes really get done next to one (a pure-Python
loop, before and after the rounds). limit/naive is about that scaling times the per-core
advantage of the factory's drawing and encoding over pyplot + savefig: a bare Figure with
renderers/agg_caches (text layout, font and tick caches) and PNG by libpng without Pillow's
per-row filter search (factory/images.py). The factory draws what the limit draws and more, but
it also collects each chart's garbage while it is young (factory/samples.py), which the limit
does not, so factory/limit can come near 1.
Prints samples/s for each way and the ratios factory/limit and factory/naive.
"""

from __future__ import annotations

import argparse
import compileall
import io
import json
import multiprocessing as mp
import statistics
import sys
import tarfile
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def read_samples(folder: Path) -> list[dict]:
    """Each kept sample's json (holds the drawn spec and its plotting script)."""
    from factory.meta import unpack

    out = []
    for shard in sorted(folder.glob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".json"):
                    out.append(unpack(json.loads(tar.extractfile(member).read())))
    return out


def spec_from_json(source: dict):
    from factory.generators.charts import ChartSpec
    from factory.tabular import Column, Table

    table = source["table"]
    return ChartSpec(
        chart_type=source["chart_type"],
        table=Table(table["title"], [Column(**c) for c in table["columns"]], table["rows"], table.get("facts", {})),
        style=source["style"],
        width_px=source["width"],
        height_px=source["height"],
        dpi=source["dpi"],
        repairs=source.get("repairs", []),
    )


def limit_worker(sources: list[dict], png_level: int) -> int:
    """Draw and encode the final specs: the factory's drawing, nothing measured or written."""
    from factory.images import encode
    from renderers.matplotlib_renderer import draw

    total = 0
    for source in sources:
        drawn = draw(spec_from_json(source))
        total += len(encode(drawn.image(), "png", png_compress_level=png_level))
    return total


def naive_loop(samples: list[dict], out: Path) -> float:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import webdataset as wds

    scripts = [s["targets"]["code"].replace('fig.savefig("chart.png"', "fig.savefig(buf") for s in samples]
    start = time.perf_counter()
    with wds.TarWriter(str(out)) as sink:
        for i, (s, script) in enumerate(zip(samples, scripts)):
            buf = io.BytesIO()
            with matplotlib.rc_context():
                exec(compile(script, "<naive>", "exec"), {"buf": buf, "__name__": "__naive__"})
            plt.close("all")
            sink.write({"__key__": f"s{i:06d}", "png": buf.getvalue(), "txt": s["targets"]["table"]})
    return time.perf_counter() - start


def _spin(seconds: float) -> int:
    """Pure-Python work for about `seconds` of one core; returns loops done."""
    end, loops = time.perf_counter() + seconds, 0
    while time.perf_counter() < end:
        for i in range(10_000):
            loops += i & 1
    return loops


def parallel_scaling(workers: int, seconds: float = 0.5, repeats: int = 6) -> float:
    """Work done by `workers` processes spinning at once over the work one process does alone,
    alternating the two `repeats` times so that the machine's drift falls on both alike."""
    alone = together = 0
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        list(pool.map(_spin, [0.05] * workers))  # start-up happens before the measurement
        for _ in range(repeats):
            alone += pool.submit(_spin, seconds).result()
            together += sum(pool.map(_spin, [seconds] * workers))
    return together / alone


def run_round(index: int, args, tmp: Path) -> dict[str, float]:
    from factory.generate import generate
    from factory.recipe import load_recipe

    n = args.samples // args.rounds
    per_shard = args.shard_size or max(1, n // (args.workers * 8))
    # The Matplotlib engine only: the limit redraws each chart with Matplotlib (bench_engines.py
    # measures the Plotly and Vega-Lite engines against their own limits).
    resolved = load_recipe("charts", {"samples": n, "seed": args.seed + index, "shard.samples": per_shard, "shard.readers": 1,
                                      "generators.charts.engines": {"matplotlib": 1}})
    out = tmp / f"factory-{index}"
    t0 = time.perf_counter()
    manifest = generate(resolved, str(out), workers=args.workers)
    seconds = {"factory": time.perf_counter() - t0}
    kept = manifest["samples"]["total"]
    samples = read_samples(out)
    assert len(samples) == kept

    def limit() -> float:
        level = resolved.recipe.image.png_compress_level
        chunks = [[s["source"] for s in samples[i :: args.workers]] for i in range(args.workers)]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
            list(pool.map(limit_worker, chunks, [level] * args.workers))
        return time.perf_counter() - t0

    def naive() -> float:
        return naive_loop(samples, tmp / f"naive-{index}.tar")

    order = [("limit", limit), ("naive", naive)] if index % 2 == 0 else [("naive", naive), ("limit", limit)]
    for name, phase in order:
        seconds[name] = phase()
    seconds["kept"] = kept
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=800)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shard-size", type=int, default=0, help="charts per shard (default: 8 shards per worker)")
    args = parser.parse_args()
    if args.samples < args.rounds:
        parser.error("--samples must be at least --rounds")

    # Bytecode for the project, as scripts/setup.sh (or a regular install) leaves it: with
    # PYTHONDONTWRITEBYTECODE set, each spawned process would compile the sources again.
    root = Path(__file__).resolve().parents[1]
    for package in ("factory", "renderers"):
        compileall.compile_dir(str(root / package), quiet=1)
    scaling = [parallel_scaling(args.workers)]
    rounds = []
    with tempfile.TemporaryDirectory() as tmp:
        for index in range(args.rounds):
            r = run_round(index, args, Path(tmp))
            rounds.append(r)
            print(
                f"round {index + 1}/{args.rounds}: {r['kept']:.0f} charts  factory {r['factory']:.1f} s  "
                f"limit {r['limit']:.1f} s  naive {r['naive']:.1f} s  "
                f"factory/limit {r['limit'] / r['factory']:.2f}  factory/naive {r['naive'] / r['factory']:.2f}",
                flush=True,
            )

    scaling.append(parallel_scaling(args.workers))
    kept = sum(r["kept"] for r in rounds)
    total = {k: sum(r[k] for r in rounds) for k in ("factory", "limit", "naive")}
    rate = {k: kept / v for k, v in total.items()}
    spread = {
        k: (min(v), statistics.median(v), max(v))
        for k, v in {
            "factory/limit": [r["limit"] / r["factory"] for r in rounds],
            "factory/naive": [r["naive"] / r["factory"] for r in rounds],
        }.items()
    }
    print(f"charts: {kept:.0f} kept of {args.samples // args.rounds * args.rounds} planned, {args.rounds} rounds, "
          f"{args.workers} workers, seed {args.seed}")
    print(f"machine  {args.workers} processes do {scaling[0]:.2f}x / {scaling[1]:.2f}x the work of one (before / after)")
    print(f"factory  end-to-end        {rate['factory']:8.1f} samples/s  ({total['factory']:.1f} s)")
    print(f"limit    draw+encode only  {rate['limit']:8.1f} samples/s  ({total['limit']:.1f} s, {args.workers} processes)")
    print(f"naive    pyplot loop       {rate['naive']:8.1f} samples/s  ({total['naive']:.1f} s, 1 process)")
    for name, target in (("factory/limit", 0.85), ("factory/naive", 2.2)):
        value = rate[name.split("/")[0]] / rate[name.split("/")[1]]
        lo, mid, hi = spread[name]
        print(f"{name} = {value:.2f}   (target >= {target}; rounds: min {lo:.2f}, median {mid:.2f}, max {hi:.2f})")
    print(f"limit/naive   = {rate['limit'] / rate['naive']:.2f}   (the most factory/naive can be on this machine)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
