"""screenshot_to_html: Design2Code's low-level visual scores, without CLIP.

Design2Code (Si et al. 2024, "Design2Code: How Far Are We From Automating Front-End
Engineering?", section 3.2; `metrics/visual_score.py`) renders the reference and the predicted
HTML, detects the text blocks of each, matches them, and scores:

- block-match: sum of the matched blocks' areas / sum of all blocks' areas (matched or not), on
  both pages: text the prediction left out, or made up, lowers it;
- text: mean `difflib.SequenceMatcher` ratio of the matched blocks' texts;
- position: mean 1 - max(|dx|, |dy|) of the matched blocks' centres, in page-relative units;
- colour: mean CIEDE2000 colour similarity, max(0, 1 - dE00 / 100), of the matched blocks' text
  colours.
CLIP similarity, their fifth score, needs model weights and is left out: the overall score here
is the mean of the four.

Matching, as published: blocks with the same box are merged; Hungarian assignment on
-text similarity, with a context bonus from neighbouring matches (`adjust_cost_for_context`,
bonus 0.1, window 1); adjacent blocks on either side are merged while merging improves the
mean matching cost by more than 0.05 (`find_possible_merge`); matches with text similarity
below 0.5 are dropped. No matched block scores 0 on all four.

Blocks: Design2Code finds them by re-rendering the page with every text element in its own
injected colour. Here the renderer (`renderers/chromium.py`) measures each visible text node's
box directly; a block's colour is the mean colour of its glyph pixels in the screenshot (the
pixels furthest from the box's most common colour, at least 3/4 of the largest distance).
Texts are lower-cased as in Design2Code.
"""

from __future__ import annotations

import difflib
import functools
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np

from factory.metrics.chart_table import linear_sum_assignment

MIN_TEXT_SIMILARITY = 0.5
MERGE_GAIN = 0.05
CONTEXT_BONUS, CONTEXT_WINDOW = 0.1, 1


@dataclass(frozen=True)
class Block:
    text: str
    box: tuple[float, float, float, float]  # x, y, w, h as fractions of the page's width and height
    color: tuple[float, float, float]  # RGB 0-255


# --- blocks from a render ---------------------------------------------------------------------


def glyph_color(pixels: np.ndarray) -> tuple[float, float, float]:
    """Mean colour of the pixels that differ most from the region's most common colour."""
    flat = pixels.reshape(-1, pixels.shape[-1])[:, :3].astype(np.int32)
    if len(flat) == 0:
        return (0.0, 0.0, 0.0)
    packed = (flat[:, 0] << 16) | (flat[:, 1] << 8) | flat[:, 2]
    values, counts = np.unique(packed, return_counts=True)
    bg = values[np.argmax(counts)]
    background = np.array([(bg >> 16) & 255, (bg >> 8) & 255, bg & 255])
    distance = np.abs(flat - background).sum(axis=1)
    top = distance.max()
    if top == 0:
        return tuple(float(v) for v in background)  # type: ignore[return-value]
    ink = flat[distance >= 0.75 * top]
    return tuple(float(v) for v in ink.mean(axis=0))  # type: ignore[return-value]


def blocks_from_render(text_boxes: list[tuple[str, list[float]]], image: np.ndarray) -> list[Block]:
    """Blocks from (text, [x, y, w, h] pixel box) pairs and the screenshot as an HxWx3 array."""
    height, width = image.shape[:2]
    out = []
    for text, (x, y, w, h) in text_boxes:
        x0, y0 = max(0, int(x)), max(0, int(y))
        x1, y1 = min(width, int(x + w)), min(height, int(y + h))
        if x1 <= x0 or y1 <= y0 or not text.strip():
            continue
        color = glyph_color(image[y0:y1, x0:x1])
        out.append(Block(text.lower(), (x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height), color))
    return out


# --- CIEDE2000 ---------------------------------------------------------------------------------


def srgb_to_lab(rgb: tuple[float, float, float]) -> tuple[float, float, float]:
    """sRGB (0-255) to CIELAB under D65, the conversion colormath does for Design2Code."""
    c = np.asarray(rgb, dtype=float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.412424, 0.357579, 0.180464], [0.212656, 0.715158, 0.0721856], [0.0193324, 0.119193, 0.950444]])
    xyz = m @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return float(116 * f[1] - 16), float(500 * (f[0] - f[1])), float(200 * (f[1] - f[2]))


def ciede2000(lab1: tuple[float, float, float], lab2: tuple[float, float, float]) -> float:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), kL = kC = kH = 1."""
    L1, a1, b1 = lab1
    L2, a2, b2 = lab2
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dLp, dCp = L2 - L1, c2p - c1p
    if c1p * c2p == 0:
        dhp = 0.0
    elif abs(h2p - h1p) <= 180:
        dhp = h2p - h1p
    elif h2p - h1p > 180:
        dhp = h2p - h1p - 360
    else:
        dhp = h2p - h1p + 360
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dhp / 2))
    Lp_bar, Cp_bar = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hp_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hp_bar = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hp_bar = (h1p + h2p + 360) / 2
    else:
        hp_bar = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(hp_bar - 30)) + 0.24 * np.cos(np.radians(2 * hp_bar))
         + 0.32 * np.cos(np.radians(3 * hp_bar + 6)) - 0.20 * np.cos(np.radians(4 * hp_bar - 63)))  # fmt: skip
    d_theta = 30 * np.exp(-(((hp_bar - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cp_bar**7 / (Cp_bar**7 + 25.0**7))
    sl = 1 + 0.015 * (Lp_bar - 50) ** 2 / np.sqrt(20 + (Lp_bar - 50) ** 2)
    sc = 1 + 0.045 * Cp_bar
    sh = 1 + 0.015 * Cp_bar * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return float(np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2 + rt * (dCp / sc) * (dHp / sh)))


def color_similarity(rgb1: tuple[float, float, float], rgb2: tuple[float, float, float]) -> float:
    return max(0.0, 1.0 - ciede2000(srgb_to_lab(rgb1), srgb_to_lab(rgb2)) / 100)


# --- matching, as Design2Code does it ------------------------------------------------------------


@functools.lru_cache(maxsize=1 << 16)
def text_similarity(a: str, b: str) -> float:
    """difflib's ratio, remembered: the merge search asks for the same pairs many times."""
    return difflib.SequenceMatcher(None, a, b).ratio()


def _cost_matrix(a: list[Block], b: list[Block]) -> np.ndarray:
    return np.array([[-text_similarity(x.text, y.text) for y in b] for x in a]).reshape(len(a), len(b))


def _context(cost: np.ndarray, bonus: float, window: int) -> np.ndarray:
    if window <= 0 or bonus == 0:
        return cost
    n, m = cost.shape
    adjusted = cost.copy()
    for i in range(n):
        for j in range(m):
            if adjusted[i, j] >= -0.5:
                continue
            near = np.sort(cost[max(0, i - window) : min(n, i + window + 1), max(0, j - window) : min(m, j + window + 1)].ravel())[::-1]
            near = np.delete(near, np.where(near == cost[i, j])[0][0])
            adjusted[i, j] += bonus * np.sum(near[-window * 2 :])
    return adjusted


def _matching(a: list[Block], b: list[Block], bonus: float, window: int) -> tuple[list[tuple[int, int]], list[float]]:
    cost = _context(_cost_matrix(a, b), bonus, window)
    rows, cols = linear_sum_assignment(cost)
    return list(zip(rows.tolist(), cols.tolist())), cost[rows, cols].tolist()


def _merge(x: Block, y: Block) -> Block:
    x0, y0 = min(x.box[0], y.box[0]), min(x.box[1], y.box[1])
    x1 = max(x.box[0] + x.box[2], y.box[0] + y.box[2])
    y1 = max(x.box[1] + x.box[3], y.box[1] + y.box[3])
    color = tuple(float((int(c1) + int(c2)) // 2) for c1, c2 in zip(x.color, y.color))
    return Block(x.text + " " + y.text, (x0, y0, x1 - x0, y1 - y0), color)  # type: ignore[arg-type]


def merge_same_box(blocks: list[Block]) -> list[Block]:
    merged: dict[tuple[float, ...], Block] = {}
    for block in blocks:
        if block.box in merged:
            old = merged[block.box]
            merged[block.box] = replace(old, text=old.text + " " + block.text,
                                        color=tuple((a + b) / 2 for a, b in zip(old.color, block.color)))  # type: ignore[arg-type]  # fmt: skip
        else:
            merged[block.box] = block
    return list(merged.values())


def _gain(before: list[float], after: list[float]) -> float:
    """Design2Code's `difference_of_means` of two matchings' costs (shared costs cancel)."""
    a, b = Counter(before), Counter(after)
    for value in set(before) & set(after):
        common = min(a[value], b[value])
        a[value] -= common
        b[value] -= common
    only_a, only_b = list(a.elements()), list(b.elements())
    mean_a = sum(only_a) / len(only_a) if only_a else 0.0
    mean_b = sum(only_b) / len(only_b) if only_b else 0.0
    if mean_a - mean_b > 0:
        return mean_a - mean_b if min(only_a) > min(only_b) else 0.0
    return mean_a - mean_b


def _merge_pass(side: list[Block], other: list[Block], side_first: bool, current: list[float]) -> tuple[list[Block], bool]:
    candidates = []
    for i in range(len(side) - 1):
        trial = side[:i] + [_merge(side[i], side[i + 1])] + side[i + 2 :]
        _, cost = _matching(trial, other, 0.0, 1) if side_first else _matching(other, trial, 0.0, 1)
        gain = _gain(current, cost)
        if gain > MERGE_GAIN:
            candidates.append((i, gain))
    if not candidates:
        return side, False
    candidates.sort(key=lambda c: c[1], reverse=True)
    taken: set[int] = set()
    merged = list(side)
    drop = []
    for i, _ in candidates:
        if i in taken or i + 1 in taken:
            continue
        merged[i] = _merge(merged[i], merged[i + 1])
        drop.append(i + 1)
        taken.update((i, i + 1))
    for index in sorted(drop, reverse=True):
        merged.pop(index)
    return merged, True


def match_blocks(pred: list[Block], ref: list[Block]) -> tuple[list[Block], list[Block], list[tuple[int, int, float]]]:
    """Merged blocks of both pages and (pred index, ref index, text similarity) matches >= 0.5."""
    pred, ref = merge_same_box(pred), merge_same_box(ref)
    while True:
        _, current = _matching(pred, ref, 0.0, 1)
        pred, changed_a = _merge_pass(pred, ref, True, current) if len(pred) >= 2 else (pred, False)
        if changed_a:
            _, current = _matching(pred, ref, 0.0, 1)
        ref, changed_b = _merge_pass(ref, pred, False, current) if len(ref) >= 2 else (ref, False)
        if not changed_a and not changed_b:
            break
    pairs, _ = _matching(pred, ref, CONTEXT_BONUS, CONTEXT_WINDOW)
    matches = []
    for i, j in pairs:
        similarity = text_similarity(pred[i].text, ref[j].text)
        if similarity >= MIN_TEXT_SIMILARITY:
            matches.append((i, j, similarity))
    return pred, ref, matches


def _area(block: Block) -> float:
    return block.box[2] * block.box[3]


def visual_scores(pred: list[Block], ref: list[Block]) -> dict[str, float]:
    """{"block_match", "text", "position", "color", "overall"} in [0, 1]."""
    zero = {"block_match": 0.0, "text": 0.0, "position": 0.0, "color": 0.0, "overall": 0.0}
    if not pred or not ref:
        return zero
    pred_m, ref_m, matches = match_blocks(pred, ref)
    if not matches:
        return zero
    matched_i = {i for i, _, _ in matches}
    matched_j = {j for _, j, _ in matches}
    unmatched = sum(_area(b) for k, b in enumerate(pred_m) if k not in matched_i)
    unmatched += sum(_area(b) for k, b in enumerate(ref_m) if k not in matched_j)
    matched_area, texts, positions, colors = 0.0, [], [], []
    for i, j, similarity in matches:
        p, r = pred_m[i], ref_m[j]
        matched_area += _area(p) + _area(r)
        texts.append(similarity)
        dx = abs((p.box[0] + p.box[2] / 2) - (r.box[0] + r.box[2] / 2))
        dy = abs((p.box[1] + p.box[3] / 2) - (r.box[1] + r.box[3] / 2))
        positions.append(1 - max(dx, dy))
        colors.append(color_similarity(p.color, r.color))
    total = matched_area + unmatched
    out = {
        "block_match": matched_area / total if total else 0.0,
        "text": float(np.mean(texts)),
        "position": float(np.mean(positions)),
        "color": float(np.mean(colors)),
    }
    out["overall"] = float(np.mean(list(out.values())))
    return out


__all__ = ["Block", "blocks_from_render", "ciede2000", "color_similarity", "glyph_color", "match_blocks", "srgb_to_lab", "visual_scores"]
