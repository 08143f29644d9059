"""Loader throughput: the project's loader against webdataset's `.decode("pil")` on the same shards.

    .venv/bin/python bench/bench_loader.py [--dataset output/demo] [--samples 240] [--rounds 5]
                                           [--workers 2] [--batch-size 16] [--passes 3] [--no-dataloader]

Without --dataset it first renders a chart dataset (--samples, shards of 20) into a temp folder.
Interleaved rounds (the order rotates each round, because this machine's speed drifts), one full
pass over every shard per mode, in this process:
(a) raw:        tarfile iteration over every shard, reading each member's bytes; nothing decoded.
(w) webdataset: `wds.WebDataset(urls, shardshuffle=False).decode("pil")`, as its docs give it (RGB
                PIL image, txt str, json dict); nothing checked.
(b) loader:     `open_dataset(DIR)`: the same decoding (RGB PIL image, text, metadata dict with its
                JSON-text parts unpacked) plus what it checks: every member present, each shard's
                sha256 and sample count against the manifest, the tar's end.
Printed per mode: the median rate and the median CPU ms per sample of this process (which others'
load disturbs less than the rate), and the median over rounds of the per-round ratio loader /
webdataset. Then, unless --no-dataloader, torch DataLoaders over the loader (best of --passes):
(c) workers:  --workers workers, each batch padded into float32 tensors by Collate (what a trainer
              receives); worker start-up included.
(d) uint8:    the same with Collate(pixels="uint8"): a quarter of the bytes through the queues.
"""

from __future__ import annotations

import argparse
import statistics
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


def webdataset_pass(urls: list[str]) -> int:
    import webdataset as wds

    count = 0
    for sample in wds.WebDataset(urls, shardshuffle=False).decode("pil"):
        image = sample.get("png") or sample.get("jpg") or sample.get("webp")
        assert image.size[0] > 0 and isinstance(sample["txt"], str) and isinstance(sample["json"], dict)
        count += 1
    return count


def rounds(modes: dict[str, object], count: int) -> dict[str, list[tuple[float, float]]]:
    """(samples/s, CPU ms per sample) of every mode in every round, the order rotated each round."""
    names = list(modes)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for number in range(count):
        order = names[number % len(names) :] + names[: number % len(names)]
        for name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            n = modes[name]()
            results[name].append((n / (time.perf_counter() - wall), (time.process_time() - cpu) * 1000 / n))
        print(f"  round {number + 1}: " + ", ".join(f"{name} {results[name][-1][0]:.1f}/s" for name in names), flush=True)
    return results


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
    parser.add_argument("--passes", type=int, default=3, help="passes of each DataLoader mode (best kept)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds of raw, webdataset and the loader")
    parser.add_argument("--no-dataloader", action="store_true", help="skip the torch DataLoader modes (c) and (d)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.dataset) if args.dataset else make_dataset(Path(tmp), args.samples, args.workers)
        urls = find_shards(path).urls
        total = sum(Path(u).stat().st_size for u in urls)
        print(f"{len(urls)} shards, {total / 1e6:.1f} MB")
        dataset = open_dataset(path)
        modes = {"raw": lambda: raw_pass(urls), "webdataset": lambda: webdataset_pass(urls), "loader": lambda: loader_pass(dataset)}
        results = rounds(modes, args.rounds)
        labels = {"raw": "(a) raw tar reading", "webdataset": '(w) webdataset .decode("pil")', "loader": "(b) open_dataset, decoded, checked"}
        for name, label in labels.items():
            rate = statistics.median(r for r, _ in results[name])
            cpu_ms = statistics.median(c for _, c in results[name])
            print(f"{label:<38} {rate:10.1f} samples/s  {cpu_ms:7.2f} CPU ms/sample (medians of {args.rounds} rounds)")
        by_rate = statistics.median(b[0] / w[0] for b, w in zip(results["loader"], results["webdataset"]))
        by_cpu = statistics.median(w[1] / b[1] for b, w in zip(results["loader"], results["webdataset"]))
        print(f"    loader / webdataset: {by_rate:.3f} by rate, {by_cpu:.3f} by CPU per sample (median of per-round ratios; > 1: the loader is faster)")
        raw = statistics.median(r for r, _ in results["raw"])
        if args.no_dataloader:
            return
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
