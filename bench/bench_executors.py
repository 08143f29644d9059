"""Local vs Ray executor on the same chart recipe and the same number of CPUs.

Prints samples/s for each executor and their ratio (target: Ray/local >= 0.85), and checks that
both wrote byte-identical shards. Starting the Ray cluster is timed but not counted: it is paid
once per cluster, not per dataset. Everything else is counted for both: worker start-up (process
spawn or actor creation, imports), rendering, writing, the manifest.

    .venv/bin/python bench/bench_executors.py [--samples 400] [--shard-size 25] [--workers 2] [--repeat 1]

Run it on a quiet machine; the load average before each run is printed beside its result, and
--repeat N alternates the two executors N times and compares the best run of each.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.generate import generate  # noqa: E402
from factory.recipe import recipe_from_dict  # noqa: E402


def recipe(samples: int, shard_size: int) -> dict:
    return {
        "name": "bench-executors",
        "seed": 2024,
        "samples": samples,
        "shard": {"samples": shard_size},
        "splits": {"train": 1.0},
        "tasks": {"chart_to_table": 2, "chart_to_code": 1, "chart_qa": 1},
    }


def timed_run(data: dict, workers: int, executor: str) -> tuple[float, dict, dict[str, str]]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{executor}-") as tmp:
        out = Path(tmp) / "ds"
        t0 = time.perf_counter()
        manifest = generate(recipe_from_dict(data), str(out), workers=workers, executor=executor)
        seconds = time.perf_counter() - t0
        digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.glob("*.tar"))}
    return seconds, manifest, digests


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--shard-size", type=int, default=25)
    parser.add_argument("--workers", type=int, default=2, help="worker processes / Ray CPUs and actors")
    parser.add_argument("--repeat", type=int, default=1, help="alternate local and Ray runs; the best of each counts")
    args = parser.parse_args()
    data = recipe(args.samples, args.shard_size)
    shards = -(-args.samples // args.shard_size)
    print(f"recipe: {args.samples} charts (chart_to_table, chart_to_code, chart_qa) in {shards} shards; "
          f"{args.workers} workers; cpus here: {len(os.sched_getaffinity(0))}")

    import ray

    from factory.executors.ray_executor import init_local

    rates: dict[str, list[float]] = {"local": [], "ray": []}
    digests: dict[str, dict[str, str]] = {}
    for _ in range(args.repeat):
        before = load()
        seconds, manifest, digests["local"] = timed_run(data, args.workers, "local")
        rate = manifest["samples"]["total"] / seconds
        rates["local"].append(rate)
        print(f"local: {seconds:6.1f} s  {rate:6.1f} samples/s  "
              f"({manifest['throughput']['samples_per_worker_second']} per worker-second)  [{before}]", flush=True)

        t0 = time.perf_counter()
        init_local(ray, args.workers)  # not counted: paid once per cluster, not per dataset
        start = time.perf_counter() - t0
        try:
            before = load()
            seconds, manifest, digests["ray"] = timed_run(data, args.workers, "ray")
        finally:
            ray.shutdown()
        rate = manifest["samples"]["total"] / seconds
        rates["ray"].append(rate)
        print(f"ray:   {seconds:6.1f} s  {rate:6.1f} samples/s  "
              f"({manifest['throughput']['samples_per_worker_second']} per worker-second; "
              f"cluster start {start:.1f} s not counted)  [{before}]", flush=True)
    ratio = max(rates["ray"]) / max(rates["local"])
    print(f"best: local {max(rates['local']):.2f}, ray {max(rates['ray']):.2f} samples/s; "
          f"ray/local: {ratio:.2f} (target >= 0.85)")
    same = digests["local"] == digests["ray"]
    print(f"byte-identical shards: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
