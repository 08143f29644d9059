"""Draw the README's preset strips: one chart and one page, clean and under each augment preset,
with the moved text boxes outlined (docs/augment/chart_presets.png, docs/augment/page_presets.png).

    .venv/bin/python scripts/augment_strips.py [--out docs/augment] [--seed 0]

Each panel is a real sample made by the factory (generator -> renderer -> task -> degradation
stage) from the same seed, so the chart or page is the same in every panel; only the preset
differs. Red outlines are the json's text boxes after the degradation moved them.
"""

from __future__ import annotations

import argparse
import copy
import io
import json
import sys
from pathlib import Path

from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from factory.boxes import find_boxes  # noqa: E402
from factory.errors import Dropped  # noqa: E402
from factory.meta import unpack  # noqa: E402
from factory.plan import plan_shards  # noqa: E402
from factory.recipe import recipe_from_dict  # noqa: E402
from factory.samples import Workshop, make_sample  # noqa: E402

PRESETS = ("none", "screen", "scan", "photo", "web")
PANEL_WIDTH = 300


def sample_under(task: str, preset: str, seed: int, generators: dict) -> tuple[Image.Image, dict]:
    recipe = {"seed": seed, "samples": 1, "tasks": {task: 1}, "generators": generators, "augment": {"preset": preset}}
    resolved = recipe_from_dict(copy.deepcopy(recipe))
    workshop = Workshop(resolved)
    shard = plan_shards(resolved)[0]
    try:
        for attempt in range(20):
            try:
                sample = make_sample(workshop, shard, attempt)
            except Dropped:
                continue
            meta = unpack(json.loads(sample.members["json"]))
            return Image.open(io.BytesIO(sample.members["png"])).convert("RGB"), meta
    finally:
        workshop.close()
    raise SystemExit(f"no {task} sample kept for seed {seed}")


def panel(image: Image.Image, meta: dict, label: str, crop_height: int | None, clean_width: int) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    for ref in find_boxes({k: meta.get(k) for k in ("targets", "render")}):
        # text boxes: chart elements and pages' `targets.boxes` (the DOM repeats the latter)
        if ref.text and ref.owner.get("kind", "text") == "text" and "tag" not in ref.owner:
            draw.rectangle(ref.box, outline=(230, 0, 0), width=2)
    if crop_height:
        out = out.crop((0, 0, out.width, min(out.height, int(crop_height * out.width / clean_width))))  # the same part of the page
    scale = PANEL_WIDTH / out.width
    out = out.resize((PANEL_WIDTH, max(1, round(out.height * scale))), Image.LANCZOS)
    framed = Image.new("RGB", (out.width, out.height + 22), "white")
    framed.paste(out, (0, 22))
    ImageDraw.Draw(framed).text((6, 4), label, fill=(0, 0, 0))
    return framed


def strip(panels: list[Image.Image]) -> Image.Image:
    height = max(p.height for p in panels)
    out = Image.new("RGB", (sum(p.width for p in panels) + 6 * (len(panels) - 1), height), "white")
    x = 0
    for p in panels:
        out.paste(p, (x, 0))
        x += p.width + 6
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/augment")
    parser.add_argument("--seed", type=int, default=0, help="recipe seed (0: every preset draws its characteristic ops)")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    jobs = {
        "chart_presets.png": ("chart_to_table", {}, None),
        "page_presets.png": ("screenshot_parsing", {"pages": {"viewports": ["desktop"], "max_sections": 3}}, 900),
    }
    for name, (task, generators, crop) in jobs.items():
        panels = []
        clean_width = 0
        for preset in PRESETS:
            image, meta = sample_under(task, preset, args.seed, generators)
            clean_width = clean_width or image.width
            record = (meta.get("augmentation") or {}).get("degradation") or {}
            ops = [o["op"] for o in record.get("ops", []) if "skipped" not in o]
            label = "clean" if preset == "none" else f"{preset}: {', '.join(ops) or '-'}"
            panels.append(panel(image, meta, label[:52], crop, clean_width))
        strip(panels).save(out / name, optimize=True)
        print(f"wrote {out / name}")


if __name__ == "__main__":
    main()
