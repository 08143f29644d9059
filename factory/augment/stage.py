"""The degradation stage: one sample's image made to look scanned, photographed or re-shared, with
every box in its json moved the same way and its target text still legible.

What keeps targets true:
- bounds before drawing: the smallest text the render reports (`quality.min_text_px`: charts'
  smallest font, pages' smallest visible font size) bounds what can shrink or smear it.
  Resizing and downscaling never take that text below LEGIBLE_TEXT_PX (and never shrink text
  already under it, nor resize by under 5% to reach it); text left under COMFORT_TEXT_PX takes
  every later op halfway to no change (ops that each cost little compound); Gaussian blur's
  sigma stays under BLUR_SIGMA_PER_TEXT_PX and motion blur's length under MOTION_PER_TEXT_PX of
  its size at that point in the pipeline; JPEG quality stays
  at or above `jpeg_floor` of that size; crops never cut into a text box. An op whose whole range
  is out of bounds is skipped and says so in the record.
- checks after drawing: every text box that was inside the image is still inside it, and the
  small text keeps its contrast (2.5:1 measured on its pixels, or 70% of what it had). A
  sample that fails is drawn again
  with every parameter halfway back to no change, and dropped (`augment_text_clipped`,
  `augment_illegible`, counted in the manifest) if it fails again.

What keeps boxes true: every box the json holds (factory/boxes.py) is moved through the
geometric ops as its corners (and, for folds, points along its edges) by the libraries' own
keypoint code; the box becomes the smallest box around them, cut to the image, and a box that
had to be cut carries `"clipped": true` beside it.

Determinism: every choice comes from a generator seeded with (sample seed, SALT); the libraries'
randomness is seeded per op from it (factory/augment/ops.py). The record in
`json.augmentation.degradation` lists every op that ran with its exact parameters and seed.
"""

from __future__ import annotations

import hashlib
import logging
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from PIL import Image

from factory import boxes as box_tools
from factory.augment import heap
from factory.augment import ops as op_calls
from factory.augment.options import OPS, AugmentPlan
from factory.errors import Dropped

log = logging.getLogger(__name__)

SALT = 0x6175676D  # "augm": the stage's stream is its own, the sample's rng is not touched
# Smallest text size (font px) a resize or downscale may leave. Measured with the audit's OCR
# (tick labels of 14 Matplotlib charts of the degraded recipe that it read on the clean image,
# scaled so the smallest text is N px, then JPEG'd): lost at 8 px 7-14% (quality 85-45), 9 px
# 6-14%, 10 px 1-8% (2% at quality 70), 11 px 0-4%, 12 px 0-2%. In a whole degraded dataset
# (perspective, noise, gamma on top) text left under 8.5 px lost 56%, 8.5-9.5 px 35%. With the
# whole photo chain on top (the degraded recipe's 202 charts, audited against a clean control),
# text left at 10 px lost 3.8% of its tokens, 12 px 2.6%, 13 px and over none measured.
LEGIBLE_TEXT_PX = 12.0
# Ops that each cost little compound: on the degraded recipe's charts, alone at p=1 perspective
# cost 0.8% of the tokens, noise 0.6%, JPEG 0.4%, blur 0.4%, rotation and resize 0.2-0.3% each;
# the recipe's whole chain 4.0%. Text under COMFORT_TEXT_PX after the resize takes every later op
# at SMALL_TEXT_STRENGTH (parameters halfway to no change): with LEGIBLE_TEXT_PX 12 the chain cost
# 1.2% of the chart tokens and 0.9% of the scanned tables' (was 4.4% and 1.6%; 12 px alone: 3.1%, 1.6%).
COMFORT_TEXT_PX = 14.0
SMALL_TEXT_STRENGTH = 0.5
MIN_RESIZE = 0.95  # a resize raised above this to keep text legible only resamples (blurs): skipped
JPEG_QUALITY_SMALL_TEXT = 70  # JPEG quality floor for text of JPEG_SMALL_TEXT_PX and under ...
JPEG_SMALL_TEXT_PX = 11.0
JPEG_QUALITY_PER_PX = 10  # ... falling by this much per px of text above it (45 at 13.5 px, none from 18 px)
BLUR_SIGMA_PER_TEXT_PX = 0.08  # Gaussian sigma <= this x text size (0.8 px on 10 px text)
# Motion blur length <= this x text size. Its shortest kernel (3 px) draws a faint second copy of
# every stroke 2 px off (a diagonal one doubles digits): alone on the degraded recipe's charts it
# cost 16% of the short texts' (tick labels, 1-3 characters) OCR tokens at 9.7-11.7 px text (17 of
# 108, 7% of longer ones) and none from 12.5 px (0 of 29); after the photo preset's resize it cost
# the most of any op (5 of 111 lost, scale alone 2 of 116). 0.24: 3 px needs 12.5 px text.
MOTION_PER_TEXT_PX = 0.24
MIN_SIGMA = 0.2  # below this a blur changes nothing worth recording: skipped
LEGIBLE_CONTRAST = 2.5  # on lightly smoothed luma of the degraded pixels, where thin antialiased strokes read lower than their colours do (WCAG asks 3:1 of large text colours)
CONTRAST_KEPT = 0.7  # or this share of the clean image's measured contrast, whichever is lower
EDGE_TOLERANCE = 2.0  # px a text box may move past the image's edge (rounding, antialiasing)
CONTRAST_BOXES = 300  # the smallest text boxes checked for contrast, at most
SMALL_TEXT_FACTOR = 3.0  # text boxes up to this x the smallest text size count as small text
FOLD_POINTS = 9  # points along each box edge followed through a fold
STRENGTHS = (1.0, 0.5)  # tried in turn; parameters move towards no change


@dataclass
class Drawn:
    """The parameters drawn for one op of one sample (whether or not it runs)."""

    name: str
    runs: bool
    params: dict[str, Any]
    seed: int


def jpeg_floor(text_px: float) -> int:
    """The lowest JPEG quality that leaves text of `text_px` legible: JPEG's 8 px blocks smear the
    strokes of small text first (measured as LEGIBLE_TEXT_PX: at 10 px quality 45 lost 8% of the
    tick labels, 60 4%, 70 2%; at 11 px quality 45 lost 4%, 60 none; at 12 px 45 lost 2%)."""
    over = max(0.0, text_px - JPEG_SMALL_TEXT_PX)
    return max(0, int(math.ceil(JPEG_QUALITY_SMALL_TEXT - JPEG_QUALITY_PER_PX * over)))


def _draw_value(rng: np.random.Generator, low: float, high: float, integer: bool) -> float:
    u = float(rng.random())  # one draw whatever the range, so later draws never shift
    if integer:
        return int(min(high, np.floor(low + u * (high - low + 1))))
    return round(low + u * (high - low), 4)


def _milder(name: str, params: dict[str, Any], strength: float) -> dict[str, Any]:
    if strength == 1.0:
        return dict(params)
    out = {}
    for key, value in params.items():
        spec = OPS[name].params.get(key)
        if spec is None or key == "fill":
            out[key] = value
            continue
        if isinstance(value, list):  # crop_pad's four sides
            out[key] = [round(v * strength, 4) for v in value]
            continue
        moved = spec.identity + (value - spec.identity) * strength
        out[key] = int(round(moved)) if spec.integer else round(moved, 4)
    return out


# sRGB-encoded level -> relative luminance (WCAG 2), for the extremes of each box only.
_LINEAR = np.array([(v / 255 / 12.92) if v <= 10 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in range(256)])


def _contrast(rgb: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """WCAG contrast ratio between the lightest and darkest pixel inside each box, on lightly
    smoothed 8-bit luma: a 3x3 Gaussian (sigma 0.5) takes the edge off sensor noise (0.4x its
    spread) but keeps a 1 px stroke 60% as dark. Only the boxes are converted, not the image."""
    cv2 = op_calls._cv2()
    h, w = rgb.shape[:2]
    out = np.full(len(boxes), np.inf)
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        a, b = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)))
        c, d = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)))
        if b - a < 2 or d - c < 2:
            continue
        # one pixel of context on every side, so the smoothing at the box's edge sees its neighbours
        pa, pb, pc, pd = max(0, a - 1), min(w, b + 1), max(0, c - 1), min(h, d + 1)
        luma = cv2.GaussianBlur(cv2.cvtColor(rgb[pc:pd, pa:pb], cv2.COLOR_RGB2GRAY), (3, 3), 0.5)
        patch = luma[c - pc : d - pc, a - pa : b - pa]
        out[i] = (_LINEAR[patch.max()] + 0.05) / (_LINEAR[patch.min()] + 0.05)
    return out


class _CleanContrast:
    """The clean image's contrast of the small text boxes, measured only for the boxes a check
    asks about (those under LEGIBLE_CONTRAST after degrading, usually none) and then kept."""

    def __init__(self, rgb: np.ndarray, boxes: np.ndarray):
        self.rgb = rgb
        self.boxes = boxes
        self.known = np.full(len(boxes), np.nan)

    def of(self, indices: np.ndarray) -> np.ndarray:
        missing = indices[np.isnan(self.known[indices])]
        if len(missing):
            self.known[missing] = _contrast(self.rgb, self.boxes[missing])
        return self.known[indices]


def pixel_sha256(image: Image.Image) -> str:
    """sha256 of an image's RGB pixels, row by row: what `clean_sha256` records."""
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    return hashlib.sha256(rgb.tobytes()).hexdigest()


class Degrader:
    """One plan's degradations, ready to apply to any sample of its task."""

    def __init__(self, plan: AugmentPlan, keep_clean: bool = False):
        self.preset = plan.preset
        self.p = plan.p
        self.ops = plan.resolved_ops()
        self.keep_clean = keep_clean
        op_calls.libraries_available(self.ops)
        heap.keep_freed_buffers()  # each op's new page-sized array reuses the last one's memory

    def draw(self, seed: int) -> list[Drawn]:
        """Every op's parameters for this sample; which run. A fixed number of draws per op."""
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, SALT])))
        selected = float(rng.random()) < self.p
        out = []
        for name, entry in self.ops.items():
            runs = float(rng.random()) < entry["p"] and selected
            params = {}
            for key, spec in OPS[name].params.items():
                low, high = entry[key]
                if name == "crop_pad" and key == "percent":
                    params[key] = [_draw_value(rng, low, high, False) for _ in range(4)]  # top, right, bottom, left
                else:
                    params[key] = _draw_value(rng, low, high, spec.integer)
            out.append(Drawn(name, runs, params, int(rng.integers(0, 2**31 - 1))))
        return out

    def degrade(self, image: Image.Image, parts: dict[str, Any], seed: int, min_text_px: float | None,
                pixels: np.ndarray | None = None) -> tuple[np.ndarray | None, dict[str, Any]]:
        """The degraded image (an RGB uint8 array; None when no op was drawn: the image is
        unchanged) and its record; boxes inside `parts` (json values) are moved in place.
        `pixels`: `image` as an RGB array already (a decoded PNG), not unpacked from it again.

        Raises Dropped when no strength keeps the target text legible.
        """
        drawn = [d for d in self.draw(seed) if d.runs]
        record: dict[str, Any] = {"preset": self.preset, "ops": []}
        if self.keep_clean:
            record["clean_sha256"] = pixel_sha256(image)
        if not drawn:
            return None, record
        rgb = pixels if pixels is not None else np.asarray(image if image.mode == "RGB" else image.convert("RGB"))  # read-only: ops copy
        refs = box_tools.find_boxes(parts)
        clean_boxes = box_tools.as_array(refs)
        height, width = rgb.shape[:2]
        text = self._text_indices(refs, clean_boxes, width, height)
        text_px = min_text_px if min_text_px and min_text_px > 0 else self._text_px_from_boxes(clean_boxes[text])
        small = self._small_text(clean_boxes, text, text_px)
        clean_contrast = _CleanContrast(rgb, clean_boxes[small])
        geometric = any(OPS[d.name].geometric for d in drawn)
        fold = any(d.name == "fold" for d in drawn)
        failure = ("", "")
        for strength in STRENGTHS:
            out, points, applied, text_after = self._run(drawn, strength, rgb, clean_boxes, text, text_px, geometric, fold)
            new_h, new_w = out.shape[:2]
            moved = box_tools.enclosing(points) if points is not None else clean_boxes
            failure = self._check(moved, text, small, clean_contrast, out, new_w, new_h)
            if not failure[0]:
                break
            log.debug("degradation at strength %s failed: %s", strength, failure[1])
        else:
            raise Dropped(failure[0], failure[1])
        record["ops"] = applied
        if strength != 1.0:
            record["strength"] = strength
        if text_px:
            record["text_px"] = {"before": round(float(text_px), 1), "after": round(float(text_after), 1)}
        if geometric and refs:
            clipped, cut = box_tools.clip(moved, new_w, new_h)
            box_tools.write_back(refs, clipped)
            for ref, was_cut in zip(refs, cut):
                if was_cut and ref.owner is not None:
                    ref.owner["clipped"] = True
            record["boxes"] = {"moved": len(refs), "clipped": int(cut.sum())}
        return out, record

    # --- pieces ------------------------------------------------------------------------------

    @staticmethod
    def _text_indices(refs: list[box_tools.BoxRef], boxes: np.ndarray, width: int, height: int) -> np.ndarray:
        """Boxes of visible text that lie inside the clean image: the text a target may hold."""
        if not refs:
            return np.zeros(0, dtype=int)
        tol = EDGE_TOLERANCE
        inside = (boxes[:, 0] >= -tol) & (boxes[:, 1] >= -tol) & (boxes[:, 2] <= width + tol) & (boxes[:, 3] <= height + tol)
        real = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
        texty = np.array([bool(ref.text) and ref.visible for ref in refs])
        return np.flatnonzero(inside & real & texty)

    @staticmethod
    def _text_px_from_boxes(text_boxes: np.ndarray) -> float | None:
        """Without a reported size: the smallest text box's height over a line's height in em."""
        if not len(text_boxes):
            return None
        return float((text_boxes[:, 3] - text_boxes[:, 1]).min()) / 1.2

    @staticmethod
    def _small_text(boxes: np.ndarray, text: np.ndarray, text_px: float | None) -> np.ndarray:
        if not len(text):
            return text
        heights = boxes[text, 3] - boxes[text, 1]
        widths = boxes[text, 2] - boxes[text, 0]
        size = text_px or heights.min()
        # Small text, at least a text size wide: a lone thin glyph ('/', 'l') is mostly antialiased
        # edge after any resampling, so its measured contrast says little about legibility.
        keep = text[(heights <= SMALL_TEXT_FACTOR * size) & (widths >= size)]
        rounded = np.round(boxes[keep]).astype(np.int64)
        _, first = np.unique(rounded, axis=0, return_index=True)  # a DOM text node and its box entry
        keep = keep[np.sort(first)]
        order = np.argsort(boxes[keep, 3] - boxes[keep, 1], kind="stable")
        return keep[np.sort(order[:CONTRAST_BOXES])]

    def _run(self, drawn: list[Drawn], strength: float, rgb: np.ndarray, boxes: np.ndarray, text: np.ndarray,
             text_px: float | None, geometric: bool, fold: bool):
        image = rgb
        if geometric and len(boxes):
            points = box_tools.edge_points(boxes, FOLD_POINTS) if fold else box_tools.corners(boxes)
            per_box = points.shape[1]
            flat = points.reshape(-1, 2)
        else:
            per_box, flat = 0, None
        px = text_px
        applied = []
        for d in drawn:
            spec = OPS[d.name]
            small = bool(px) and px < COMFORT_TEXT_PX and d.name not in ("scale", "downscale", "crop_pad")
            params = _milder(d.name, d.params, strength * (SMALL_TEXT_STRENGTH if small else 1.0))
            note = self._bound(d.name, params, px, image.shape, flat, per_box, text)
            if note == "skip":
                applied.append({"op": d.name, "skipped": "would make the smallest text illegible"})
                continue
            if d.name == "crop_pad":
                params = {"px": params.pop("px"), **params}
            image, flat = op_calls.apply(d.name, spec.library, spec.geometric, params, d.seed, image, flat)
            entry = {"op": d.name, **params, "seed": d.seed}
            if small:
                note = "; ".join(filter(None, [f"milder (x{SMALL_TEXT_STRENGTH:g}) for text under {COMFORT_TEXT_PX:g} px", note]))
            if note:
                entry["bounded"] = note
            applied.append(entry)
            if px and d.name in ("scale", "downscale"):
                px *= params["factor"]
        points = flat.reshape(-1, per_box, 2) if flat is not None else None
        return image, points, applied, px or 0.0

    @staticmethod
    def _bound(name: str, params: dict[str, Any], px: float | None, shape, flat, per_box: int, text: np.ndarray) -> str:
        """Clamp `params` (in place) so the smallest text stays legible: '' (untouched), a note, or 'skip'."""
        if name == "crop_pad":
            height, width = shape[:2]
            sides = [height, width, height, width]  # top, right, bottom, left: the length each percent is of
            wanted = [int(round(p * s)) for p, s in zip(params["percent"], sides)]
            room = [10**9] * 4
            if flat is not None and len(text):
                current = box_tools.enclosing(flat.reshape(-1, per_box, 2)[text])
                room = [
                    int(np.floor(current[:, 1].min())),
                    int(np.floor(width - current[:, 2].max())),
                    int(np.floor(height - current[:, 3].max())),
                    int(np.floor(current[:, 0].min())),
                ]
            elif flat is None and len(text):
                room = [0, 0, 0, 0]  # no boxes to follow: never cut
            px_sides = [max(w, -max(0, r - int(EDGE_TOLERANCE))) for w, r in zip(wanted, room)]
            params["px"] = px_sides
            return "crop kept off the text" if px_sides != wanted else ""
        if not px:
            return ""
        if name in ("scale", "downscale"):
            floor = LEGIBLE_TEXT_PX / px
            if name == "downscale" and floor > MIN_RESIZE:  # under 5% less resolution is no degradation
                return "skip"
            if params["factor"] < floor and floor > MIN_RESIZE:  # the text is at (or near) the floor: not shrunk, nor blown up to make it
                return "skip"
            if params["factor"] < floor:
                params["factor"] = round(float(np.ceil(floor * 1000) / 1000), 4)
                return f"factor raised to keep text >= {LEGIBLE_TEXT_PX:g} px"
            return ""
        if name == "gaussian_blur":
            limit = BLUR_SIGMA_PER_TEXT_PX * px
            if limit < MIN_SIGMA:
                return "skip"
            if params["sigma"] > limit:
                params["sigma"] = float(np.floor(limit * 1000) / 1000)  # never above the cap
                return f"sigma capped at {BLUR_SIGMA_PER_TEXT_PX:g} x text size"
            return ""
        if name == "jpeg":
            floor = jpeg_floor(px)
            if params["quality"] < floor:
                params["quality"] = floor
                return f"quality raised to {floor} for {px:.1f} px text"
            return ""
        if name == "motion_blur":
            limit = int(MOTION_PER_TEXT_PX * px)
            limit = limit if limit % 2 else limit - 1
            if limit < 3:
                return "skip"
            if params["length"] > limit:
                params["length"] = limit
                return f"length capped at {MOTION_PER_TEXT_PX:g} x text size"
            return ""
        return ""

    @staticmethod
    def _check(moved: np.ndarray, text: np.ndarray, small: np.ndarray, clean_contrast: _CleanContrast,
               out: np.ndarray, width: int, height: int) -> tuple[str, str]:
        """('', '') when the target text is still legible, else (drop reason, detail)."""
        if len(text):
            t = moved[text]
            tol = EDGE_TOLERANCE
            outside = (t[:, 0] < -tol) | (t[:, 1] < -tol) | (t[:, 2] > width + tol) | (t[:, 3] > height + tol)
            if outside.any():
                x0, y0, x1, y1 = t[np.flatnonzero(outside)[0]]
                return "augment_text_clipped", f"text box [{x0:.0f}, {y0:.0f}, {x1:.0f}, {y1:.0f}] leaves the {width}x{height} image"
        if len(small):
            after = _contrast(out, moved[small])
            need = np.full(len(small), LEGIBLE_CONTRAST)
            doubtful = np.flatnonzero(after < LEGIBLE_CONTRAST)  # the others pass whatever the clean image had
            need[doubtful] = np.minimum(LEGIBLE_CONTRAST, CONTRAST_KEPT * clean_contrast.of(doubtful))
            low = np.flatnonzero(after < need)
            if len(low):
                i = low[0]
                return "augment_illegible", f"text contrast {after[i]:.2f}:1 < {need[i]:.2f}:1 (clean {clean_contrast.of(low[:1])[0]:.2f}:1)"
        return "", ""
