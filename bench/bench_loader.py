"""Loader throughput: decoded samples per second against raw reading of the same tars.

    .venv/bin/python bench/bench_loader.py [--dataset output/demo] [--samples 240] [--workers 2]
                                           [--batch-size 16] [--passes 3]

Without --dataset it first renders a chart dataset (--samples, shards of 20) into a temp folder.
(a) raw:      tarfile iteration over every shard, reading each member's bytes; nothing decoded.
(b) loader:   ShardDataset in this process, samples decoded (PIL RGB image, text, metadata dict).
(c) workers:  a torch DataLoader with --workers workers over the same dataset, each batch padded
              into float32 tensors by Collate (what a trainer receives); worker start-up included.
(d) uint8:    the same with Collate(pixels="uint8"): a quarter of the bytes through the queues.
Each is timed over --passes full passes (best pass kept), and the ratios to raw are printed.
On a shared machine compare CPU ms per sample for (a) and (b): wall-clock rates follow the load.
"""

from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.loaders import find_shards, open_dataset  # noqa: E402


def make_dataset(folder: Path, samples: int, workers: int) -> Path:
    from factory.generate import generate
    from factory.recipe import recipe_from_dict

    recipe = {"name": "bench-loader", "seed": 3, "samples": samples, "shard": {"samples": 20}, "tasks": {"chart_to_table": 1, "chart_qa": 1}}
    out = folder / "ds"
    started = time.perf_counter()
    generate(recipe_from_dict(recipe), str(out), workers=workers)
    print(f"rendered {samples} charts in {time.perf_counter() - started:.1f}s into {out}")
    return out


def raw_pass(urls: list[str]) -> int:
    count = 0
    for url in urls:
        with tarfile.open(url, mode="r|") as tar:
            last = None
            for member in tar:
                handle = tar.extractfile(member)
                if handle is not None:
                    handle.read()
                key = member.name.partition(".")[0]
                if key != last:
                    count += 1
                    last = key
    return count


def loader_pass(dataset) -> int:
    count = 0
    for sample in dataset:
        sample["image"].load()
        count += 1
    return count


def workers_pass(loader) -> int:
    return sum(len(batch["keys"]) for batch in loader)


def best(label: str, passes: int, run) -> float:
    """Best of `passes` in samples/s (wall clock), with this process's CPU ms per sample, which a
    busy machine disturbs less (DataLoader workers' CPU is not in it)."""
    results = []
    for _ in range(passes):
        wall, cpu = time.perf_counter(), time.process_time()
        n = run()
        results.append((n / (time.perf_counter() - wall), (time.process_time() - cpu) * 1000 / n))
    rate, cpu_ms = max(results)
    print(f"{label:<34} {rate:10.1f} samples/s  {cpu_ms:7.2f} CPU ms/sample here  ({n} samples per pass)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", help="an existing dataset folder (default: render one)")
    parser.add_argument("--samples", type=int, default=240)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.dataset) if args.dataset else make_dataset(Path(tmp), args.samples, args.workers)
        urls = find_shards(path).urls
        total = sum(Path(u).stat().st_size for u in urls)
        print(f"{len(urls)} shards, {total / 1e6:.1f} MB")
        raw = best("(a) raw tar reading", args.passes, lambda: raw_pass(urls))
        dataset = open_dataset(path)
        plain = best("(b) loader, decoded, in-process", args.passes, lambda: loader_pass(dataset))
        print(f"    ratio loader / raw: {plain / raw:.3f}")
        from factory.errors import MissingExtraError
        from factory.torch_data import Collate, make_loader

        try:
            loader = make_loader(open_dataset(path), batch_size=args.batch_size, num_workers=args.workers)
        except MissingExtraError:
            print("(c) skipped: torch is not installed")
            return
        with_workers = best(f"(c) DataLoader, {args.workers} workers, float32", args.passes, lambda: workers_pass(loader))
        print(f"    ratio DataLoader / raw: {with_workers / raw:.3f}")
        loader = make_loader(open_dataset(path), batch_size=args.batch_size, num_workers=args.workers, collate_fn=Collate(pixels="uint8"))
        as_bytes = best(f"(d) DataLoader, {args.workers} workers, uint8", args.passes, lambda: workers_pass(loader))
        print(f"    ratio DataLoader uint8 / raw: {as_bytes / raw:.3f}")


if __name__ == "__main__":
    main()
