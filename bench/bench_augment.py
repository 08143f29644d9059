"""What the degradation stage costs: its share of a sample's time with the `photo` preset.

    .venv/bin/python bench/bench_augment.py [--rounds 4] [--charts 24] [--pages 4] [--preset photo]

For charts (chart_to_table) and pages (screenshot_parsing), one process makes the same samples
(same seeds) two ways, interleaved in rounds because this machine's speed drifts:
(a) clean:    the recipe without `augment:`;
(b) degraded: the same recipe with `augment: {preset: photo}`.
Each round makes `--charts`/`--pages` samples per way, the order of (a) and (b) alternating. The
first sample of each way (imports, browser start) is made before the clock starts.

Printed per kind: the degradation stage's share of the degraded samples' time (augment stage
seconds / wall seconds of make_sample, the figure the issue bounds at 15%), its per-round
range, ms per sample both ways, and degraded/clean (which also holds the dearer PNG encoding of
a noisy image and the extra drops), and this process's CPU per attempt both ways (steadier than
wall time on a loaded machine; the browser's CPU is not in it). Totals are over all rounds.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.errors import Dropped  # noqa: E402
from factory.plan import plan_shards  # noqa: E402
from factory.recipe import recipe_from_dict  # noqa: E402
from factory.samples import Timings, Workshop, make_sample  # noqa: E402

KINDS = {
    "charts": {"tasks": {"chart_to_table": 1}},
    "pages": {"tasks": {"screenshot_parsing": 1}},
}


def workshop(kind: str, preset: str | None) -> tuple[Workshop, object]:
    recipe = {"seed": 11, "samples": 100000, "shard": {"samples": 100000}, **copy.deepcopy(KINDS[kind])}
    if preset:
        recipe["augment"] = {"preset": preset}
    resolved = recipe_from_dict(recipe)
    return Workshop(resolved), plan_shards(resolved)[0]


def run(shop: Workshop, shard, attempts: range, timings: Timings) -> tuple[float, int, int, float]:
    """Wall seconds, samples kept, drops, CPU seconds of this process over `attempts`."""
    kept = drops = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    for attempt in attempts:
        try:
            make_sample(shop, shard, attempt, timings)
            kept += 1
        except Dropped:
            drops += 1
    return time.perf_counter() - t0, kept, drops, time.process_time() - c0


def bench(kind: str, per_round: int, rounds: int, preset: str) -> None:
    clean, shard = workshop(kind, None)
    degraded, _ = workshop(kind, preset)
    try:
        for shop in (clean, degraded):  # warm-up: imports, browser, caches
            run(shop, shard, range(10**6, 10**6 + 1), Timings())
        wall = {"clean": 0.0, "degraded": 0.0}
        cpu = {"clean": 0.0, "degraded": 0.0}
        kept = {"clean": 0, "degraded": 0}
        drops = {"clean": 0, "degraded": 0}
        stage = 0.0
        shares = []
        for r in range(rounds):
            attempts = range(r * per_round, (r + 1) * per_round)
            order = ("clean", "degraded") if r % 2 == 0 else ("degraded", "clean")
            round_stage = round_wall = 0.0
            for way in order:
                timings = Timings()
                seconds, k, d, cpu_seconds = run(clean if way == "clean" else degraded, shard, attempts, timings)
                wall[way] += seconds
                cpu[way] += cpu_seconds
                kept[way] += k
                drops[way] += d
                if way == "degraded":
                    round_stage = timings.stages.get("augment", 0.0)
                    round_wall = seconds
            stage += round_stage
            shares.append(round_stage / round_wall if round_wall else 0.0)
        per_clean = wall["clean"] / max(kept["clean"] + drops["clean"], 1) * 1000
        per_degraded = wall["degraded"] / max(kept["degraded"] + drops["degraded"], 1) * 1000
        cpu_clean = cpu["clean"] / max(kept["clean"] + drops["clean"], 1) * 1000
        cpu_degraded = cpu["degraded"] / max(kept["degraded"] + drops["degraded"], 1) * 1000
        print(
            f"{kind:7s} {preset}: stage share {stage / wall['degraded']:.1%} of the degraded samples' time "
            f"(rounds {min(shares):.1%}..{max(shares):.1%}); {per_clean:.0f} ms/attempt clean, "
            f"{per_degraded:.0f} ms/attempt degraded, degraded/clean {per_degraded / per_clean:.2f}; "
            f"kept {kept['degraded']}/{kept['degraded'] + drops['degraded']} degraded, {kept['clean']}/{kept['clean'] + drops['clean']} clean; "
            f"this process's CPU {cpu_clean:.0f} ms/attempt clean, {cpu_degraded:.0f} degraded (the browser's is not in it)"
        )
    finally:
        clean.close()
        degraded.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--charts", type=int, default=24, help="chart samples per way per round")
    parser.add_argument("--pages", type=int, default=4, help="page samples per way per round")
    parser.add_argument("--preset", default="photo")
    args = parser.parse_args()
    if args.charts:
        bench("charts", args.charts, args.rounds, args.preset)
    if args.pages:
        bench("pages", args.pages, args.rounds, args.preset)


if __name__ == "__main__":
    main()
