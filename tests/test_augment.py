"""The degradation stage (factory/augment): boxes follow the pixels, text stays legible, every
draw is reproducible in any process, and bad recipes fail in one line."""

from __future__ import annotations

import copy
import hashlib
import json
import random
import tarfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from factory.augment.options import OPS, PRESETS, AugmentPlan
from factory.augment.stage import LEGIBLE_TEXT_PX, Degrader
from factory.boxes import find_boxes
from factory.errors import Dropped, FactoryError, RecipeError
from factory.recipe import recipe_from_dict
from factory.dataset import layout

# --- boxes follow the pixels ---------------------------------------------------------------------

# Solid marks of distinct colours on white: (colour, [x0, y0, x1, y1]). One sits in a corner so a
# crop cuts it; all are away from each other so a warp cannot mix them.
MARKS = [
    ((220, 20, 20), [20, 20, 90, 60]),
    ((20, 160, 20), [150, 40, 260, 70]),
    ((20, 20, 220), [40, 130, 80, 220]),
    ((200, 0, 200), [180, 150, 300, 200]),
    ((0, 170, 200), [300, 0, 320, 25]),  # touches the top-right corner
]
WIDTH, HEIGHT = 320, 240

# Each geometric op with strong settings, so a wrong box is far from its mark.
GEOMETRIC = {
    "rotate": {"p": 1, "degrees": [12, 12], "fill": 255},
    "shear": {"p": 1, "degrees": [10, 10], "fill": 255},
    "perspective": {"p": 1, "scale": [0.1, 0.1], "fill": 255},
    "crop_pad": {"p": 1, "percent": [-0.06, 0.12], "fill": 255},
    "scale": {"p": 1, "factor": [0.55, 0.55]},
    "fold": {"p": 1, "count": [2, 2], "depth": [0.03, 0.03], "width": [0.2, 0.3]},
}


def marks_image() -> Image.Image:
    pixels = np.full((HEIGHT, WIDTH, 3), 255, dtype=np.uint8)
    for colour, (x0, y0, x1, y1) in MARKS:
        pixels[y0:y1, x0:x1] = colour
    return Image.fromarray(pixels)


def marks_json() -> dict:
    """The marks as a sample's json parts would hold them, in every place boxes live."""
    boxes = [{"kind": "mark", "box": list(box)} for _, box in MARKS]
    return {
        "targets": {"boxes": boxes[:2], "cells": [{"row": 0, "col": 0, "box": list(MARKS[2][1])}]},
        "render": {"elements": {"plot_area": list(MARKS[3][1]), "legends": [list(MARKS[4][1])]}},
        "augmentation": None,
    }


def pixel_box(pixels: np.ndarray, colour) -> list[int] | None:
    """[x0, y0, x1, y1] around the pixels close to `colour` (edge convention)."""
    near = np.abs(pixels.astype(int) - np.array(colour)).sum(axis=2) < 90
    ys, xs = np.nonzero(near)
    if not len(xs):
        return None
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def test_find_boxes_sees_every_kind_of_box():
    parts = marks_json()
    parts["render"]["dom"] = {"tag": "p", "box": [1, 2, 3, 4], "children": [{"tag": "#text", "text": "Hi", "box": [1, 2, 3, 4]}]}
    refs = find_boxes(parts)
    assert len(refs) == len(MARKS) + 2
    assert sorted(r.box[0] for r in refs) == sorted([1, 1] + [b[0] for _, b in MARKS])
    assert [r.text for r in refs if r.text] == ["Hi"]
    assert not find_boxes({"box": [1, 2, 3]}) and not find_boxes({"box": "1,2,3,4"})


@pytest.mark.parametrize("op", list(GEOMETRIC))
def test_boxes_follow_every_geometric_op(op):
    assert OPS[op].geometric
    parts = marks_json()
    degrader = Degrader(AugmentPlan(ops={op: GEOMETRIC[op]}))
    out, record = degrader.degrade(marks_image(), parts, seed=5, min_text_px=None)
    assert [o["op"] for o in record["ops"]] == [op]
    pixels = out  # an RGB array
    refs = find_boxes(parts)
    assert len(refs) == len(MARKS)
    moved = {tuple(MARKS[i][0]): ref for i, ref in enumerate(_in_mark_order(refs))}
    tolerance = 3.0 if op == "fold" else 2.0  # a fold bends rows: its keypoints move in whole pixels
    for colour, ref in moved.items():
        seen = pixel_box(pixels, colour)
        assert seen is not None, (op, colour)
        box = ref.box
        assert all(0 <= v for v in box) and box[2] <= out.shape[1] and box[3] <= out.shape[0]  # clipped to the image
        assert np.abs(np.array(box) - np.array(seen)).max() <= tolerance, (op, colour, box, seen)
    if op == "crop_pad" and any(v < 0 for v in record["ops"][0]["px"][:2]):
        corner = moved[tuple(MARKS[4][0])]
        assert corner.owner is None or corner.owner.get("clipped")  # cut by the crop: marked


def _in_mark_order(refs):
    """find_boxes order (targets.boxes, cells, plot_area, legends) is the MARKS order."""
    return refs


def test_boxes_that_leave_the_image_are_clipped_and_marked():
    parts = {"targets": {"boxes": [{"kind": "mark", "box": [300, 0, 320, 25]}, {"kind": "mark", "box": [100, 60, 200, 120]}]}}
    degrader = Degrader(AugmentPlan(ops={"crop_pad": {"p": 1, "percent": [-0.1, -0.1]}}))
    out, record = degrader.degrade(marks_image(), parts, seed=1, min_text_px=None)
    cut, kept = parts["targets"]["boxes"]
    assert cut["clipped"] is True and "clipped" not in kept
    assert cut["box"][2] == out.shape[1] and cut["box"][1] == 0
    assert record["boxes"] == {"moved": 2, "clipped": 1}


# --- targets stay true -----------------------------------------------------------------------------


def text_image(grey: int = 0) -> tuple[Image.Image, dict]:
    """Lines of 'text' (thin dark bars) with their boxes, a margin of 30 px all round."""
    pixels = np.full((200, 300, 3), 255, dtype=np.uint8)
    boxes = []
    for i, y in enumerate(range(30, 170, 20)):
        for x in range(30, 270, 6):
            pixels[y + 2 : y + 10, x : x + 2] = grey
        boxes.append({"kind": "text", "text": f"line {i}", "box": [30, y, 270, y + 12]})
    return Image.fromarray(pixels), {"targets": {"boxes": boxes}}


def test_blur_and_scale_are_bounded_by_the_smallest_text():
    image, parts = text_image()
    plan = AugmentPlan(ops={
        "scale": {"p": 1, "factor": [0.3, 0.3]},
        "downscale": {"p": 1, "factor": [0.3, 0.3]},
        "gaussian_blur": {"p": 1, "sigma": [3, 3]},
        "motion_blur": {"p": 1, "length": [15, 15]},
    })
    out, record = Degrader(plan).degrade(image, copy.deepcopy(parts), seed=3, min_text_px=16.0)
    ops = {o["op"]: o for o in record["ops"]}
    assert ops["scale"]["factor"] == pytest.approx(LEGIBLE_TEXT_PX / 16, abs=1e-3) and "bounded" in ops["scale"]
    assert "skipped" in ops["downscale"]  # the text is already at the legible floor: no resolution to lose
    assert ops["gaussian_blur"]["sigma"] <= 0.08 * 16 * ops["scale"]["factor"] + 1e-6  # 0.08 x the text size at that point
    assert "skipped" in ops["motion_blur"]  # 0.24 x the text size: under the shortest kernel (3 px) at 10 px
    assert record["text_px"]["after"] >= LEGIBLE_TEXT_PX - 1e-6
    assert out.shape[1] == round(300 * ops["scale"]["factor"])
    # A range is used as drawn when the text is large enough.
    scale_only = AugmentPlan(ops={"scale": {"p": 1, "factor": [0.3, 0.3]}})
    out, record = Degrader(scale_only).degrade(image, copy.deepcopy(parts), seed=3, min_text_px=40.0)
    assert record["ops"][0]["factor"] == 0.3 and "bounded" not in record["ops"][0]


def test_crop_never_cuts_text():
    image, parts = text_image()
    plan = AugmentPlan(ops={"crop_pad": {"p": 1, "percent": [-0.25, -0.25]}})
    out, record = Degrader(plan).degrade(image, parts, seed=2, min_text_px=10.0)
    (op,) = record["ops"]
    assert op["bounded"] and all(v < 0 for v in op["px"])  # every side cut, but only into its margin
    for entry in parts["targets"]["boxes"]:
        x0, y0, x1, y1 = entry["box"]
        assert x0 >= 0 and y0 >= 0 and x1 <= out.shape[1] and y1 <= out.shape[0] and "clipped" not in entry


def test_washed_out_text_is_redrawn_milder_or_dropped():
    image, parts = text_image(grey=150)  # light grey text: little contrast to lose
    washed = AugmentPlan(ops={"brightness_contrast": {"p": 1, "brightness": [0.2, 0.2], "contrast": [0.0, 0.0]}})
    _, record = Degrader(washed).degrade(image, copy.deepcopy(parts), seed=1, min_text_px=16.0)
    assert record["strength"] == 0.5 and record["ops"][0]["brightness"] == 0.1  # drawn again, halfway back
    bright = AugmentPlan(ops={"brightness_contrast": {"p": 1, "brightness": [0.4, 0.4], "contrast": [0.0, 0.0]}})
    with pytest.raises(Dropped) as info:
        Degrader(bright).degrade(image, copy.deepcopy(parts), seed=1, min_text_px=16.0)
    assert info.value.reason == "augment_illegible"
    dark_text, parts = text_image(grey=0)  # the same op leaves black text legible
    _, record = Degrader(bright).degrade(dark_text, parts, seed=1, min_text_px=16.0)
    assert "strength" not in record


def test_small_text_takes_every_op_after_the_resize_milder():
    """Text under COMFORT_TEXT_PX (after the resize) takes every later op halfway to no change,
    and the record says so; the resize itself is bounded by LEGIBLE_TEXT_PX, not made milder."""
    image, parts = text_image(grey=0)
    plan = AugmentPlan(ops={"scale": {"p": 1, "factor": [0.9, 0.9]}, "brightness_contrast": {"p": 1, "brightness": [0.2, 0.2], "contrast": [0.0, 0.0]}})
    _, record = Degrader(plan).degrade(image, copy.deepcopy(parts), seed=1, min_text_px=15.0)  # 13.5 px after the resize
    scale, bc = record["ops"]
    assert scale["factor"] == 0.9 and "bounded" not in scale
    assert bc["brightness"] == 0.1 and "text under 14 px" in bc["bounded"] and "strength" not in record
    _, record = Degrader(plan).degrade(image, copy.deepcopy(parts), seed=1, min_text_px=16.0)  # 14.4 px: as drawn
    assert record["ops"][1]["brightness"] == 0.2 and "bounded" not in record["ops"][1]
    near = AugmentPlan(ops={"scale": {"p": 1, "factor": [0.6, 0.6]}})  # raised to 0.98 for 12.2 px text: a resample, no more
    _, record = Degrader(near).degrade(image, copy.deepcopy(parts), seed=1, min_text_px=12.2)
    assert "skipped" in record["ops"][0]


# --- reproducible --------------------------------------------------------------------------------


def test_same_seed_same_pixels_and_global_state_untouched():
    plan = AugmentPlan(ops={name: {"p": 1} for name in OPS if name not in ("scale",)})
    degrader = Degrader(plan)
    image = marks_image()
    random.seed(11)
    np.random.seed(11)
    before = (random.getstate(), np.random.get_state()[1].tobytes())
    a, rec_a = degrader.degrade(image, marks_json(), seed=99, min_text_px=None)
    assert (random.getstate(), np.random.get_state()[1].tobytes()) == before  # augraphy's global draws undone
    random.seed(12345)  # a different global state must not matter
    np.random.seed(54321)
    b, rec_b = degrader.degrade(image, marks_json(), seed=99, min_text_px=None)
    assert rec_a == rec_b and np.array_equal(np.asarray(a), np.asarray(b))
    assert [o["op"] for o in rec_a["ops"]] == [n for n in OPS if n != "scale"]  # every op, in pipeline order
    c, _ = degrader.degrade(image, marks_json(), seed=100, min_text_px=None)
    assert not np.array_equal(np.asarray(a), np.asarray(c))


def _page_like(seed: int, height: int = 300, width: int = 411) -> np.ndarray:
    """Text-like dark strokes on a light page, plus pure black and white: noise must saturate both ways."""
    rng = np.random.default_rng(seed)
    pixels = np.full((height, width, 3), 250, dtype=np.uint8)
    for _ in range(60):
        y, x = int(rng.integers(0, height - 3)), int(rng.integers(0, width - 40))
        pixels[y : y + int(rng.integers(1, 3)), x : x + int(rng.integers(5, 40))] = rng.integers(0, 120, 3)
    pixels[:20, :20] = 0
    pixels[-20:, -20:] = 255
    pixels[100:140] = rng.integers(0, 256, (40, width, 3))
    return pixels


def test_fast_shadow_noise_and_perspective_write_the_stock_bytes():
    """ops.py's shadow, noise and perspective keep the library's seeded parameters and only apply
    them cheaper: the bytes must be albumentations' own."""
    import cv2

    from factory.augment import ops

    A = ops._albumentations()
    shadow, noise, _, perspective = ops._fast_transforms()
    for seed in range(8):
        image = _page_like(seed)
        for count, intensity in ((1, 0.3), (3, 0.75)):
            kwargs = dict(shadow_roi=(0, 0, 1, 1), num_shadows_limit=(count, count), shadow_dimension=5,
                          shadow_intensity_range=(intensity, intensity), p=1)
            stock, fast = A.RandomShadow(**kwargs), shadow(**kwargs)
            stock.set_random_seed(seed)
            fast.set_random_seed(seed)
            assert np.array_equal(stock(image=image)["image"], fast(image=image)["image"])
        for std in (0.02, 0.3):
            stock, fast = A.GaussNoise(std_range=(std, std), per_channel=False, p=1), noise(std_range=(std, std), per_channel=False, p=1)
            stock.set_random_seed(seed)
            fast.set_random_seed(seed)
            assert np.array_equal(stock(image=image)["image"], fast(image=image)["image"])
        for scale, fill in ((0.02, 90), (0.15, 250)):
            kwargs = dict(scale=(scale, scale), keep_size=False, fit_output=True, border_mode=cv2.BORDER_CONSTANT, fill=(fill,) * 3, p=1)
            stock, fast = A.Perspective(**kwargs), perspective(**kwargs)
            stock.set_random_seed(seed)
            fast.set_random_seed(seed)
            assert np.array_equal(stock(image=image)["image"], fast(image=image)["image"])


def test_area_downscale_is_opencvs_area_average():
    """The compiled area resize averages the same footprints as OpenCV's INTER_AREA: at most one
    level apart, and that rarely (float rounding)."""
    import cv2

    from factory.augment import resample

    assert resample.available()
    rng = np.random.default_rng(3)
    noisy = rng.integers(0, 256, (237, 301, 3), dtype=np.uint8)
    for pixels in (_page_like(1, 517, 733), noisy):
        height, width = pixels.shape[:2]
        for factor in (0.99, 0.752, 0.6, 0.5, 0.31, 0.1):
            size = (max(1, round(width * factor)), max(1, round(height * factor)))
            ours = resample.area_downscale(pixels, *size).astype(int)
            theirs = cv2.resize(pixels, size, interpolation=cv2.INTER_AREA).astype(int)
            assert ours.shape == theirs.shape
            differ = np.abs(ours - theirs)
            assert differ.max() <= 1 and (differ > 0).mean() < 0.002, (factor, differ.max(), (differ > 0).mean())


def _shard_hashes(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.tar"))}


@pytest.mark.slow
def test_shards_identical_across_worker_processes(tmp_path):
    """Every preset's ops (augraphy's global and numba draws included) in 1 and 2 worker processes."""
    from factory.generate import generate

    recipe = {
        "seed": 4,
        "samples": 4,
        "shard": {"samples": 2},
        "tasks": {"chart_to_table": 1, "chart_qa": 1},
        "augment": {
            "preset": "photo",
            "ops": {"perspective": {"p": 1}},
            "keep_clean": True,
            "tasks": {"chart_qa": {"preset": "scan", "ops": {"moire": {"p": 0.5}, "glare": {"p": 0.5}, "fold": {"p": 1}}}},
        },
    }
    one = generate(recipe_from_dict(copy.deepcopy(recipe)), str(tmp_path / "one"), workers=1)
    two = generate(recipe_from_dict(copy.deepcopy(recipe)), str(tmp_path / "two"), workers=2)
    assert _shard_hashes(tmp_path / "one") == _shard_hashes(tmp_path / "two")
    assert one["samples"]["total"] == two["samples"]["total"] > 0
    seen = set()
    for shard in (tmp_path / "one").glob("*.tar"):
        with tarfile.open(shard) as tar:
            for member in tar:
                if member.name.endswith(".json"):
                    meta = json.loads(tar.extractfile(member).read())
                    seen.update(o["op"] for o in json.loads(meta["augmentation"])["degradation"]["ops"])
    assert "perspective" in seen and seen & {"paper_texture", "bleed_through", "fold", "moire"}


# --- recipes --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "augment, message",
    [
        ({"ops": {"blur": {}}}, "unknown augment op 'blur'"),
        ({"ops": {"rotate": {"degrees": [5, -5]}}}, "degrees range [5, -5] is reversed"),
        ({"ops": {"rotate": {"degrees": [-45, 5]}}}, "outside the allowed [-20, 20]"),
        ({"ops": {"jpeg": {"p": 1.5}}}, "p must be a probability in [0, 1]"),
        ({"ops": {"jpeg": {"qualty": [10, 20]}}}, "unknown parameter 'qualty' (did you mean 'quality'?)"),
        ({"ops": {"jpeg": {"quality": "high"}}}, "quality must be a number or a range"),
        ({"preset": "photos"}, "unknown augment preset 'photos' (did you mean 'photo'?)"),
        ({"tasks": {"chart_qa": {"preset": "scan"}}}, "unknown task 'chart_qa'"),
        ({"blur": 1}, "'augment.blur' is not a known field"),
    ],
)
def test_recipe_errors_are_one_line(augment, message):
    with pytest.raises(RecipeError) as info:
        recipe_from_dict({"tasks": {"chart_to_table": 1}, "augment": augment})
    text = str(info.value)
    assert message in text and "\n" not in text


def test_presets_are_valid_and_ops_change_them():
    for name in PRESETS:
        assert AugmentPlan(preset=name).resolved_ops()
    plan = AugmentPlan(preset="photo", ops={"jpeg": {"quality": [20, 30]}, "shadow": False, "fold": {"p": 0.2}})
    ops = plan.resolved_ops()
    assert ops["jpeg"] == {"p": PRESETS["photo"]["jpeg"]["p"], "quality": [20, 30]}
    assert "shadow" not in ops and ops["fold"]["p"] == 0.2
    assert list(ops) == [n for n in OPS if n in ops]  # pipeline order
    resolved = recipe_from_dict({"tasks": {"chart_to_table": 1}, "augment": {"preset": "web", "ops": {"rotate": {"degrees": 2}}}})
    again = recipe_from_dict(resolved.as_dict())  # the recipe written beside the shards loads back the same
    assert again.recipe.augment.resolved_ops() == resolved.recipe.augment.resolved_ops()


# --- the README's example, end to end ------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def readme_recipe() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Degradations"):]
    section = section[: section.index("\n## ", 1)]
    (block,) = [b for b in section.split("```yaml\n")[1:2]]
    return block.split("```")[0]


@pytest.mark.slow
@pytest.mark.chromium
def test_readme_recipe_runs_as_written_and_tools_show_it(tmp_path):
    """The README's augment recipe through the CLI; preview, report and clean twins on its output."""
    import subprocess
    import sys

    from factory.loaders import CleanTwins, open_dataset
    from factory.tools.preview import sample_boxes, write_preview
    from factory.tools.report import write_report

    (tmp_path / "degraded.yaml").write_text(readme_recipe(), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "factory", "generate", "degraded.yaml", "--out", "output/degraded", "--workers", "1", "--quiet"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = tmp_path / "output" / "degraded"
    manifest = json.loads((out / layout.MANIFEST).read_text())
    assert manifest["samples"]["total"] == 8
    samples = list(open_dataset(str(out)))
    records = [s["meta"]["augmentation"]["degradation"] for s in samples]
    assert all("clean_sha256" in r for r in records)
    presets = {s["meta"]["task"]: r["preset"] for s, r in zip(samples, records)}
    assert presets == {"chart_to_table": "photo", "table_to_html": "scan"}
    assert not any(o["op"] == "shadow" for r in records for o in r["ops"])
    moved = [s for s, r in zip(samples, records) if r.get("boxes")]
    assert moved  # geometric ops ran: boxes were moved
    for s in moved:  # ...and lie inside the (new) image
        w, h = s["image"].size
        for ref in find_boxes({k: s["meta"][k] for k in ("targets", "render")}):
            x0, y0, x1, y1 = ref.box
            assert 0 <= x0 <= x1 <= w and 0 <= y0 <= y1 <= h

    with CleanTwins(str(out)) as twins:  # one chart and one table rendered again, hash-checked
        for task in ("chart_to_table", "table_to_html"):
            sample = next(s for s in samples if s["meta"]["task"] == task and s["meta"]["augmentation"]["degradation"]["ops"])
            clean = twins.image(sample["meta"])  # raises unless its pixels hash to clean_sha256
            assert clean.size != sample["image"].size or not np.array_equal(np.asarray(clean.convert("RGB")), np.asarray(sample["image"]))
        tampered = copy.deepcopy(sample["meta"])
        tampered["augmentation"]["degradation"]["clean_sha256"] = "0" * 64
        with pytest.raises(FactoryError, match="differs"):
            twins.image(tampered)

    page, shown = write_preview(str(out), tmp_path / "preview.html", n=8)
    html = page.read_text()
    assert "photo: " in html and "scan: " in html and html.count("<rect") >= sum(len(sample_boxes(s.meta)) for s in shown) > 0
    report, summary = write_report(str(out), tmp_path / "report.html")
    assert summary.augment_samples == 8 and summary.augment_ops["jpeg"] >= 1
    assert "Degradations" in report.read_text()


def test_builtin_degraded_recipe_is_the_readme_example():
    import yaml

    from factory.recipe import load_recipe

    readme = recipe_from_dict(yaml.safe_load(readme_recipe()))
    builtin = load_recipe("degraded")
    assert {**builtin.as_dict(), "description": ""} == {**readme.as_dict(), "description": ""}


CHART_SEED = 7  # a Matplotlib line chart with 18 tick labels, the smallest text 11.7 px


def _clean_chart():
    """The CHART_SEED chart drawn clean: its render, RGB image and the render facts a degrader may move."""
    import shutil

    from factory.generators.charts import ChartGenerator, ChartOptions
    from factory.seeding import rng_for
    from renderers.matplotlib_renderer import MatplotlibRenderer

    if shutil.which("tesseract") is None:
        pytest.skip("tesseract-ocr is not installed (scripts/setup.sh)")
    spec = ChartGenerator(ChartOptions(chart_types=["bar", "line"])).sample(rng_for(CHART_SEED), CHART_SEED)
    render = MatplotlibRenderer().render(spec)
    parts = {"render": copy.deepcopy(render.facts)}
    parts["render"].pop("quality")
    return render, render.image.convert("RGB"), parts


def _ticks_lost(render, image, degraded, elements) -> tuple[int, list[str]]:
    """Tick labels OCR reads on the clean image (their number) and those of them it misses on the
    degraded one, as the audit reads them (x labels turned level by the angle they were drawn at)."""
    from factory.tools import audit

    meta = {"generator": {"name": "charts"}, "source": {"style": render.source.style, "chart_type": render.source.chart_type}}

    def ticks(facts):
        return [item for item in audit.sample_texts({**meta, "render": facts}) if item.kind.endswith("tick_labels")]

    def readable(img, items):
        return [all(audit.found(t, words) for t in audit.tokens(item.text)) for item, words in zip(items, audit.ocr_items(img, items))]

    items = ticks(render.facts)
    clean = readable(image, items)
    after = readable(degraded, ticks(elements))
    return sum(clean), [item.text for item, a, b in zip(items, clean, after) if a and not b]


def test_small_chart_text_stays_readable_through_scale_and_jpeg():
    """A photographed-and-compressed chart keeps the tick labels OCR reads on its clean twin: the
    scale stops at LEGIBLE_TEXT_PX and JPEG quality at `jpeg_floor` of the text size. Before these
    bounds (an 8 px floor, quality as drawn) its ticks at 8 px and quality 40 lost 4 ('Mar 11', '18', '20', ...)."""
    from factory.augment.stage import jpeg_floor

    render, image, parts = _clean_chart()
    plan = AugmentPlan(ops={"scale": {"p": 1, "factor": [0.5, 0.5]}, "jpeg": {"p": 1, "quality": [40, 40]}})
    out, record = Degrader(plan).degrade(image, parts, seed=1, min_text_px=render.facts["quality"]["min_text_px"])
    ops = {o["op"]: o for o in record["ops"]}
    after = record["text_px"]["after"]
    assert after >= min(LEGIBLE_TEXT_PX, record["text_px"]["before"]) - 1e-6 and ops["jpeg"]["quality"] >= max(jpeg_floor(after), 70)
    read, lost = _ticks_lost(render, image, Image.fromarray(out), parts["render"])
    assert read >= 15 and lost == []


def test_short_chart_text_is_not_doubled_by_motion_blur():
    """Motion blur's shortest kernel (3 px) draws every stroke twice, 2 px apart: on 11.7 px tick
    labels it cost OCR 5 of 18 that the clean twin reads ('Mar 11', '21', '24', ...). Its length is
    bounded at 0.24 x the text size, so the stage leaves it out below 12.5 px text; from 12.5 px it
    runs as drawn. Fails before (the bound was 0.35 x: 3 px ran on 8.6 px text)."""
    render, image, parts = _clean_chart()
    plan = AugmentPlan(ops={"motion_blur": {"p": 1, "length": [3, 3]}})
    out, record = Degrader(plan).degrade(image, parts, seed=3, min_text_px=render.facts["quality"]["min_text_px"])
    read, lost = _ticks_lost(render, image, Image.fromarray(out), parts["render"])
    assert read >= 15 and lost == []
    assert "skipped" in record["ops"][0]
    big = Degrader(plan).degrade(image, copy.deepcopy({"render": render.facts}), seed=3, min_text_px=12.5)[1]
    assert big["ops"][0]["length"] == 3 and "skipped" not in big["ops"][0]


def test_the_whole_photo_chain_keeps_small_chart_text_readable():
    """Ops that each cost OCR little compound: resize, rotation, perspective, blur, noise and JPEG
    together on the 11.7 px tick labels lost 10 of the 144 (8 seeds x 18) the clean twin reads
    when each op was bounded alone (a 10 px floor; text near it took every op as drawn). Text stays
    at 12 px or more and, under 14 px, takes every op after the resize halfway to no change."""
    render, image, parts = _clean_chart()
    strongest = {op: {"p": 1} for op in ("scale", "perspective", "gaussian_blur", "noise")}
    plan = AugmentPlan(preset="photo", ops={**strongest, "rotate": {"p": 1, "degrees": [-2, 2]}, "jpeg": {"p": 1, "quality": [40, 75]},
                                            "shadow": False, "motion_blur": False, "color_jitter": False})
    read = lost = 0
    for seed in range(8):
        sample_parts = copy.deepcopy(parts)
        out, record = Degrader(plan).degrade(image, sample_parts, seed=seed, min_text_px=render.facts["quality"]["min_text_px"])
        assert {"rotate", "perspective", "gaussian_blur", "noise", "jpeg"} <= {o["op"] for o in record["ops"] if "skipped" not in o}
        n, missed = _ticks_lost(render, image, Image.fromarray(out), sample_parts["render"])
        read, lost = read + n, lost + len(missed)
    assert read >= 8 * 15 and lost <= 2


def test_every_op_runs_at_every_corner_of_its_documented_ranges():
    """A value the recipe may ask for must run, and end: glare's documented 0-0.5 and 0.1-1 (and its
    default intensity 0.08-0.25) lay past albumentations' Illumination bounds, so the built-in
    `screen` preset ended its run with a ValueError; paper_texture at turbulence 1 (allowed, and
    where a milder redraw could round it) looped forever inside augraphy."""
    import itertools

    from factory.augment import ops
    from factory.augment.options import OPS, PRESETS

    image = np.full((96, 128, 3), 200, np.uint8)
    image[40:56, 20:108] = 30  # a dark bar: something for every op to act on
    points = np.array([[20.0, 40.0], [108.0, 56.0]])
    for name, spec in OPS.items():
        for values in itertools.product(*[p.bounds for p in spec.params.values()]):
            params = {key: (int(v) if param.integer else float(v)) for (key, param), v in zip(spec.params.items(), values)}
            if name == "crop_pad":  # the stage turns the share into pixels per side
                share = params.pop("percent")
                params["px"] = [round(share * 96), round(share * 128), round(share * 96), round(share * 128)]
            out, _ = ops.apply(name, spec.library, spec.geometric, params, 7, image.copy(), points.copy() if spec.geometric else None)
            assert out.ndim == 3 and out.shape[2] == 3, (name, params)
    out, _ = ops.apply("paper_texture", "augraphy", False, {"sigma": 3, "turbulence": 1}, 7, image.copy(), None)  # a milder redraw's 1
    assert "glare" in PRESETS["screen"]
