"""Pictures for generated pages, made locally so a page never fetches anything.

Photos are tiny procedural PNGs (numpy + Pillow) embedded as data: URIs; the browser scales them
up smoothly, which reads as a soft photograph. Drawing and encoding one costs about 2 ms, more than
a whole page may take, so each process paints a fixed pool per (kind, aspect) once, from a fixed
seed (the same pool everywhere), and pages pick from it with their own random stream. Each picture has
a file-name-like identifier (`mountain_lake_2`) that the page keeps in `data-src-name`, so targets
can name it (`img_src=mountain_lake_2`) although its src is a data: URI. Icons and logos are inline
SVG: small, and what a person writing the page by hand would use.
"""

from __future__ import annotations

import base64
import functools
import io
import random
import re
import unicodedata
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup
from PIL import Image

PHOTO_KINDS = {
    "landscape": ("mountain_lake", "alpine_sunrise", "desert_dunes", "forest_valley", "coastal_cliffs", "sunset_hills"),
    "skyline": ("city_skyline", "downtown_night", "harbor_view", "office_towers"),
    "abstract": ("abstract_waves", "color_study", "gradient_flow", "soft_shapes"),
    "product": ("product_front", "product_side", "product_detail", "product_box", "product_studio"),
    "portrait": ("portrait",),
}

ICONS = {
    # name -> SVG path data on a 24x24 grid, drawn as a stroke
    "bolt": "M13 2 4 14h7l-1 8 9-12h-7z",
    "shield": "M12 2 4 5v6c0 5 3.5 9 8 11 4.5-2 8-6 8-11V5z",
    "star": "m12 2 3 6.5 7 1-5 5 1.2 7L12 18l-6.2 3.5 1.2-7-5-5 7-1z",
    "chart": "M4 20V10M10 20V4M16 20v-7M22 20H2",
    "globe": "M12 2a10 10 0 1 0 0 20 10 10 0 1 0 0-20zM2 12h20M12 2c3 3 3 17 0 20M12 2c-3 3-3 17 0 20",
    "lock": "M6 11h12v10H6zM8 11V7a4 4 0 0 1 8 0v4",
    "heart": "M12 21 3.5 12.5a5 5 0 0 1 8.5-6 5 5 0 0 1 8.5 6z",
    "cloud": "M7 18h10a4 4 0 0 0 0-8 6 6 0 0 0-11.5 2A3 3 0 0 0 7 18z",
    "check": "M4 12l5 5L20 6",
    "clock": "M12 2a10 10 0 1 0 0 20 10 10 0 1 0 0-20zM12 6v6l4 2",
    "users": "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21c0-4 3-6 7-6s7 2 7 6M17 11a3 3 0 1 0 0-6M19 15c2 1 3 3 3 6",
    "layers": "M12 2 2 7l10 5 10-5zM2 12l10 5 10-5M2 17l10 5 10-5",
}


@dataclass
class Picture:
    name: str  # file-name-like identifier, no extension
    alt: str
    src: str  # data: URI
    width: int
    height: int


def slug(text: str, fallback: str) -> str:
    """An ASCII file-name fragment: 'Zoë Müller' -> 'zoe_muller'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    out = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    return out[:40] or fallback


def _hsl(h: float, s: float, l: float) -> np.ndarray:
    """HSL (degrees, 0-1, 0-1) to an RGB float array in 0-255."""
    c = (1 - abs(2 * l - 1)) * s
    hp = (h % 360) / 60
    x = c * (1 - abs(hp % 2 - 1))
    r, g, b = [(c, x, 0), (x, c, 0), (0, c, x), (0, x, c), (x, 0, c), (c, 0, x)][int(hp) % 6]
    m = l - c / 2
    return np.array([r + m, g + m, b + m], dtype=np.float32) * 255


def _grid(w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    return xx / w, yy / h


def _vertical_gradient(top: np.ndarray, bottom: np.ndarray, w: int, h: int) -> np.ndarray:
    t = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    return np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).copy()


def _landscape(r: random.Random, w: int, h: int) -> np.ndarray:
    hue = r.uniform(0, 360)
    img = _vertical_gradient(_hsl(hue, 0.6, 0.75), _hsl(hue + 30, 0.5, 0.92), w, h)
    x, y = _grid(w, h)
    sx, sy, sr = r.uniform(0.2, 0.8), r.uniform(0.15, 0.4), r.uniform(0.06, 0.12)
    sun = ((x - sx) ** 2 * (w / h) ** 2 + (y - sy) ** 2) < sr**2
    img[sun] = _hsl(r.uniform(30, 55), 0.9, 0.7)
    for layer in range(r.randint(2, 3)):
        base = 0.45 + 0.15 * layer + r.uniform(-0.05, 0.05)
        phase, freq, amp = r.uniform(0, 6.3), r.uniform(4, 12), r.uniform(0.04, 0.12)
        ridge = base - amp * np.abs(np.sin(x[0] * freq + phase)) - 0.03 * np.sin(x[0] * freq * 2.7)
        mask = y > ridge[None, :]
        img[mask] = _hsl(r.uniform(90, 220), r.uniform(0.2, 0.5), 0.55 - 0.12 * layer)
    return img


def _skyline(r: random.Random, w: int, h: int) -> np.ndarray:
    hue = r.uniform(200, 280)
    img = _vertical_gradient(_hsl(hue, 0.5, 0.18), _hsl(hue + 40, 0.6, 0.45), w, h)
    x = 0
    while x < w:
        bw = r.randint(max(3, w // 16), max(4, w // 7))
        top = int(h * r.uniform(0.25, 0.7))
        img[top:, x : x + bw] = _hsl(hue, 0.2, r.uniform(0.08, 0.16))
        for wy in range(top + 3, h - 2, 4):
            for wx in range(x + 1, min(x + bw - 1, w), 3):
                if r.random() < 0.45:
                    img[wy, wx] = _hsl(48, 0.9, 0.7)
        x += bw + r.randint(0, 2)
    return img


def _abstract(r: random.Random, w: int, h: int) -> np.ndarray:
    x, y = _grid(w, h)
    img = np.zeros((h, w, 3), np.float32)
    weight = np.zeros((h, w, 1), np.float32)
    for _ in range(r.randint(3, 5)):
        cx, cy, s = r.uniform(0, 1), r.uniform(0, 1), r.uniform(0.15, 0.45)
        g = np.exp(-(((x - cx) ** 2 + (y - cy) ** 2) / (2 * s * s)))[..., None]
        img += g * _hsl(r.uniform(0, 360), r.uniform(0.5, 0.9), r.uniform(0.45, 0.7))
        weight += g
    return img / np.maximum(weight, 1e-3)


def _product(r: random.Random, w: int, h: int) -> np.ndarray:
    img = _vertical_gradient(_hsl(0, 0, 0.97), _hsl(0, 0, 0.88), w, h)
    x, y = _grid(w, h)
    color = _hsl(r.uniform(0, 360), r.uniform(0.4, 0.8), r.uniform(0.35, 0.6))
    cx, cy = 0.5, r.uniform(0.45, 0.55)
    if r.random() < 0.5:
        rx, ry = r.uniform(0.18, 0.3), r.uniform(0.25, 0.38)
        body = (np.abs(x - cx) < rx) & (np.abs(y - cy) < ry)
    else:
        rr = r.uniform(0.2, 0.3)
        body = ((x - cx) ** 2 * (w / h) ** 2 + (y - cy) ** 2) < rr**2
    shadow = ((x - cx) ** 2 / 0.09 + (y - 0.88) ** 2 / 0.002) < 1
    img[shadow] *= 0.8
    shade = (1.15 - 0.5 * x)[..., None]
    img = np.where(body[..., None], color * shade, img)
    return img


def _portrait(r: random.Random, w: int, h: int) -> np.ndarray:
    img = _vertical_gradient(_hsl(r.uniform(0, 360), 0.45, 0.8), _hsl(r.uniform(0, 360), 0.45, 0.65), w, h)
    x, y = _grid(w, h)
    skin = _hsl(r.uniform(18, 35), r.uniform(0.3, 0.6), r.uniform(0.35, 0.78))
    head = ((x - 0.5) ** 2 * (w / h) ** 2 + (y - 0.4) ** 2) < 0.2**2
    shoulders = ((x - 0.5) ** 2 / 0.16 + (y - 1.05) ** 2 / 0.16) < 1
    img[shoulders] = _hsl(r.uniform(0, 360), 0.35, r.uniform(0.2, 0.5))
    img[head] = skin
    hair = head & (y < 0.3 + r.uniform(-0.04, 0.04))
    img[hair] = _hsl(r.uniform(15, 40), 0.4, r.uniform(0.1, 0.4))
    return img


_PAINTERS = {
    "landscape": _landscape,
    "skyline": _skyline,
    "abstract": _abstract,
    "product": _product,
    "portrait": _portrait,
}


def png_data_uri(pixels: np.ndarray) -> str:
    buf = io.BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB").save(buf, format="PNG", compress_level=6)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


POOL_SIZE = 24
POOL_SEED = 20240611
ASPECTS = {"wide": (16, 9), "landscape": (3, 2), "square": (1, 1), "tall": (3, 4)}
DRAW_SIZE = 96  # long side, px


@functools.lru_cache(maxsize=None)
def photo_pool(kind: str, aspect: str) -> tuple[str, ...]:
    """POOL_SIZE data: URIs of `kind` at `aspect`; a pure function of its arguments."""
    aw, ah = ASPECTS[aspect]
    scale = DRAW_SIZE / max(aw, ah)
    w, h = max(8, round(aw * scale)), max(8, round(ah * scale))
    r = random.Random(f"{POOL_SEED}:{kind}:{aspect}")
    # Markup: base64 needs no HTML escaping, and escaping kilobytes per picture is what slowed pages.
    return tuple(Markup(png_data_uri(_PAINTERS[kind](r, w, h))) for _ in range(POOL_SIZE))


class PictureBox:
    """Makes a page's pictures; names are unique within the page."""

    def __init__(self, r: random.Random):
        self.r = r
        self.used: set[str] = set()

    def _unique(self, name: str) -> str:
        if name not in self.used:
            self.used.add(name)
            return name
        n = 2
        while f"{name}_{n}" in self.used:
            n += 1
        self.used.add(f"{name}_{n}")
        return f"{name}_{n}"

    def photo(self, kind: str, alt: str, width: int, aspect: str = "landscape", name: str | None = None) -> Picture:
        """A picture of `kind` with the given aspect, shown `width` CSS px wide."""
        aw, ah = ASPECTS[aspect]
        src = self.r.choice(photo_pool(kind, aspect))
        base = name or self.r.choice(PHOTO_KINDS[kind])
        return Picture(self._unique(base), alt, src, width, round(width * ah / aw))

    def avatar(self, person: str, size: int = 64) -> Picture:
        return self.photo("portrait", person, size, "square", name=f"avatar_{slug(person, 'person')}")
