"""A small picture of a dataset's first samples: screenshots side by side, each with its target's
start and its source. Made for the README (docs/corpus_preview.png):

    .venv/bin/python scripts/corpus_preview.py output/crawl docs/corpus_preview.png --n 6
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import tarfile
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.meta import unpack  # noqa: E402

THUMB = (300, 260)
CAPTION = 92
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def first_samples(dataset: Path, n: int) -> list[tuple[Image.Image, str, dict]]:
    found: list[tuple[Image.Image, str, dict]] = []
    for path in sorted(dataset.glob("*.tar")):
        members: dict[str, dict[str, bytes]] = {}
        with tarfile.open(path) as tar:
            for member in tar.getmembers():
                key, ext = member.name.split(".", 1)
                members.setdefault(key, {})[ext] = tar.extractfile(member).read()
        for key in sorted(members):
            parts = members[key]
            image = Image.open(io.BytesIO(next(v for k, v in parts.items() if k in ("png", "jpg", "webp")))).convert("RGB")
            found.append((image, parts["txt"].decode("utf-8"), unpack(json.loads(parts["json"]))))
            if len(found) == n:
                return found
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=6)
    parser.add_argument("--columns", type=int, default=3)
    args = parser.parse_args()
    samples = first_samples(args.dataset, args.n)
    rows = (len(samples) + args.columns - 1) // args.columns
    sheet = Image.new("RGB", (args.columns * (THUMB[0] + 8) + 8, rows * (THUMB[1] + CAPTION + 8) + 8), "white")
    font = ImageFont.truetype(FONT, 11) if Path(FONT).exists() else ImageFont.load_default()
    draw = ImageDraw.Draw(sheet)
    for i, (image, text, meta) in enumerate(samples):
        x = 8 + (i % args.columns) * (THUMB[0] + 8)
        y = 8 + (i // args.columns) * (THUMB[1] + CAPTION + 8)
        scale = THUMB[0] / image.width
        thumb = image.resize((THUMB[0], max(1, round(image.height * scale))), Image.LANCZOS)
        sheet.paste(thumb.crop((0, 0, THUMB[0], min(THUMB[1], thumb.height))), (x, y))
        draw.rectangle([x, y, x + THUMB[0] - 1, y + THUMB[1] - 1], outline=(180, 180, 180))
        source = meta["source"]
        head = f"{meta['task']} · {source.get('language') or '?'} · {source['provenance'].get('url') or source['provenance'].get('file')}"
        lines = [head[:52]] + textwrap.wrap(text.replace("\n", " "), 50)[:5]
        draw.multiline_text((x, y + THUMB[1] + 4), "\n".join(lines), fill=(30, 30, 30), font=font, spacing=2)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out, optimize=True)
    print(f"{args.out}: {sheet.width}x{sheet.height}, {args.out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
