"""Chart factory throughput against the Matplotlib limit and a naive loop, on the same charts.

    .venv/bin/python bench/bench_charts.py [--samples 400] [--workers 2] [--seed 7]

(a) factory: `generate` end to end (sampling, legibility checks, targets, PNG, tar, stats, manifest)
    with N worker processes, process start-up included.
(b) limit:   the very charts the factory kept, each built on a Figure and drawn and encoded by
    Matplotlib + Pillow (same PNG settings), nothing else, in N spawned processes, start-up included.
(c) naive:   one process, the same charts as plain pyplot scripts: figure, savefig(PNG), close,
    written with webdataset.TarWriter.
Prints samples/s for each and the ratios factory/limit and factory/naive.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing as mp
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
    """Draw and encode: Matplotlib and Pillow only."""
    import matplotlib
    import matplotlib.style
    import numpy as np
    from matplotlib import ticker
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    from factory.chart_code import figure_code

    codes = [figure_code(spec_from_json(s)) for s in sources]  # spec -> code is not drawing
    compiled = [compile(c.body, "<chart>", "exec") for c in codes]
    start = time.perf_counter()
    total = 0
    for code, body in zip(codes, compiled):
        with matplotlib.rc_context():
            matplotlib.style.use(code.styles)
            matplotlib.rcParams.update(code.rc)
            fig = Figure(figsize=code.figsize, dpi=code.dpi, layout="constrained")
            canvas = FigureCanvasAgg(fig)
            exec(body, {"fig": fig, "np": np, "ticker": ticker})
            canvas.draw()
            w, h = canvas.get_width_height()
            img = Image.frombuffer("RGBA", (w, h), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
            buf = io.BytesIO()
            img.save(buf, format="PNG", compress_level=png_level)
            total += len(buf.getvalue())
    return total


def naive_loop(samples: list[dict], out: Path) -> float:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import webdataset as wds

    start = time.perf_counter()
    with wds.TarWriter(str(out)) as sink:
        for i, s in enumerate(samples):
            script = s["targets"]["code"].replace('fig.savefig("chart.png"', "fig.savefig(buf")
            buf = io.BytesIO()
            with matplotlib.rc_context():
                exec(compile(script, "<naive>", "exec"), {"buf": buf, "__name__": "__naive__"})
            plt.close("all")
            sink.write({"__key__": f"s{i:06d}", "png": buf.getvalue(), "txt": s["targets"]["table"]})
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from factory.generate import generate
    from factory.recipe import load_recipe

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "factory"
        per_shard = max(1, args.samples // (args.workers * 4))
        resolved = load_recipe("charts", {"samples": args.samples, "seed": args.seed, "shard.samples": per_shard})
        t0 = time.perf_counter()
        manifest = generate(resolved, str(out), workers=args.workers)
        factory_s = time.perf_counter() - t0
        kept = manifest["samples"]["total"]
        samples = read_samples(out)
        assert len(samples) == kept
        level = resolved.recipe.image.png_compress_level

        chunks = [[s["source"] for s in samples[i :: args.workers]] for i in range(args.workers)]
        t0 = time.perf_counter()
        with ProcessPoolExecutor(args.workers, mp_context=mp.get_context("spawn")) as pool:
            list(pool.map(limit_worker, chunks, [level] * args.workers))
        limit_s = time.perf_counter() - t0

        naive_s = naive_loop(samples, Path(tmp) / "naive.tar")

    factory_rate, limit_rate, naive_rate = kept / factory_s, kept / limit_s, kept / naive_s
    print(f"charts: {kept} kept of {args.samples} planned, {args.workers} workers, seed {args.seed}")
    print(f"factory  end-to-end        {factory_rate:8.1f} samples/s  ({factory_s:.1f} s)")
    print(f"limit    draw+encode only  {limit_rate:8.1f} samples/s  ({limit_s:.1f} s, {args.workers} processes)")
    print(f"naive    pyplot loop       {naive_rate:8.1f} samples/s  ({naive_s:.1f} s, 1 process)")
    print(f"factory/limit = {factory_rate / limit_rate:.2f}   (target >= 0.85)")
    print(f"factory/naive = {factory_rate / naive_rate:.2f}   (target >= 2.2)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
