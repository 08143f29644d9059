"""Draw docs/multilingual/scripts.png: one sample per script from a `multilingual` dataset.

    render-factory generate multilingual --samples 120 --out output/multilingual
    .venv/bin/python docs/multilingual/make_sheet.py output/multilingual docs/multilingual/scripts.png

Each tile is the top of one sample's picture (pages and documents are tall), labelled with its
script, locale and generator; generators rotate over the scripts so all four show.
"""

from __future__ import annotations

import io
import sys

from PIL import Image, ImageDraw, ImageFont

from factory.generators import locales
from factory.tools.preview import iter_shard, load_manifest, select_shards

TILE, LABEL, COLUMNS = (420, 300), 22, 6
ORDER = ("charts", "pages", "table_images", "documents")


def sample_locale(meta: dict) -> str | None:
    src = meta["source"]
    return src.get("locale") or (src.get("theme") or {}).get("locale") or ((src.get("table") or {}).get("facts") or {}).get("locale")


def main(dataset: str, out: str) -> None:
    store, manifest = load_manifest(dataset)
    by_script: dict[str, dict[str, bytes]] = {}
    for shard in select_shards(manifest):
        for sample in iter_shard(store, shard["name"]):
            code = sample_locale(sample.meta)
            if code in locales.LOCALES:
                by_script.setdefault(locales.info(code).script, {}).setdefault(sample.meta["generator"]["name"], (code, sample.image))
    scripts = [s for s in locales.SCRIPT_LOCALES if s in by_script]
    rows = -(-len(scripts) // COLUMNS)
    sheet = Image.new("RGB", (COLUMNS * TILE[0], rows * (TILE[1] + LABEL)), "white")
    font = ImageFont.truetype("DejaVuSans.ttf", 15)
    draw = ImageDraw.Draw(sheet)
    for i, script in enumerate(scripts):
        made = by_script[script]
        generator = next((g for g in ORDER[i % 4:] + ORDER[: i % 4] if g in made))
        code, data = made[generator]
        picture = Image.open(io.BytesIO(data)).convert("RGB")
        scale = TILE[0] / picture.width
        picture = picture.resize((TILE[0], max(1, round(picture.height * scale))), Image.LANCZOS)
        picture = picture.crop((0, 0, TILE[0], min(TILE[1], picture.height)))  # short ones keep the white below
        x, y = (i % COLUMNS) * TILE[0], (i // COLUMNS) * (TILE[1] + LABEL)
        sheet.paste(picture, (x, y + LABEL))
        draw.text((x + 6, y + 3), f"{locales.SCRIPTS[script].name} · {code} · {generator}", fill="black", font=font)
        draw.rectangle((x, y, x + TILE[0] - 1, y + TILE[1] + LABEL - 1), outline="#999999")
    sheet.quantize(colors=192, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, optimize=True)
    missing = [s for s in locales.SCRIPT_LOCALES if s not in by_script]
    print(f"{len(scripts)} scripts drawn to {out}" + (f"; missing: {', '.join(missing)}" if missing else ""))


if __name__ == "__main__":
    main(*sys.argv[1:3])
