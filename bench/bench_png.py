"""PNG encoding: the factory's encoder (libpng, unfiltered rows) against Pillow's, on real samples.

    .venv/bin/python bench/bench_png.py [DATASET ...] [--samples 60] [--levels 1 6] [--repeats 3]

Without DATASET it first draws --samples charts (the `charts` recipe) into a temp folder. Every
PNG in the datasets' shards is decoded once, then encoded by both at each level; prints CPU ms
per image, KiB per image and the ratios. Pillow tries the five PNG filters on every row; on flat
colour and repeated glyphs deflate finds the same repeats without them.
"""

from __future__ import annotations

import argparse
import io
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402

from factory.images import decode, encode_png  # noqa: E402


def read_images(folder: Path) -> list[Image.Image]:
    images = []
    for shard in sorted(folder.rglob("*.tar")):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".png"):
                    images.append(decode(tar.extractfile(member).read()))
    return images


def pillow_png(image: Image.Image, level: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=level)
    return buf.getvalue()


def measure(encoder, images: list[Image.Image], level: int, repeats: int) -> tuple[float, float]:
    """Best-of-`repeats` CPU ms per image, and KiB per image."""
    best, size = float("inf"), 0
    for _ in range(repeats):
        t0 = time.process_time()
        size = sum(len(encoder(image, level)) for image in images)
        best = min(best, time.process_time() - t0)
    return 1000 * best / len(images), size / len(images) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="*", type=Path)
    parser.add_argument("--samples", type=int, default=60)
    parser.add_argument("--levels", type=int, nargs="+", default=[1, 6])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folders = args.datasets
        if not folders:
            from factory.generate import generate
            from factory.recipe import load_recipe

            folders = [Path(tmp) / "charts"]
            generate(load_recipe("charts", {"samples": args.samples, "seed": 7}), str(folders[0]), workers=1)
        for folder in folders:
            images = read_images(folder)
            if not images:
                print(f"{folder}: no PNG samples")
                continue
            w, h = images[0].size
            print(f"{folder}: {len(images)} PNGs (first {w}x{h})")
            for level in args.levels:
                ours_ms, ours_kib = measure(encode_png, images, level, args.repeats)
                pil_ms, pil_kib = measure(pillow_png, images, level, args.repeats)
                print(
                    f"  level {level}: factory {ours_ms:6.2f} ms {ours_kib:7.1f} KiB   pillow {pil_ms:6.2f} ms "
                    f"{pil_kib:7.1f} KiB   speed-up {pil_ms / ours_ms:4.2f}x  size ratio {ours_kib / pil_kib:4.2f}"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
