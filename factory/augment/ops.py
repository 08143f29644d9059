"""Each degradation as one call into albumentations or augraphy, with fixed parameters and a seed.

`apply(name, params, seed, image, points)` runs one operation on an RGB uint8 image and moves
`points` (K, 2) the way the operation moved the pixels, using the library's own keypoint
handling, so boxes follow the image exactly as the library warped it. Parameters arrive already
drawn (factory/augment/stage.py draws them from the sample's seed): each transform gets a
degenerate range (low == high) and p=1, and only what the library randomises inside the
operation (noise fields, shadow shapes, fold positions) comes from `seed`.

Seeding: albumentations transforms carry their own generators (`set_random_seed`); augraphy draws
from the process-wide `random` and `numpy.random`, and Moire from numba's own generator, so those
are seeded for the call and the process's previous states are put back afterwards.

Coordinates: points are in the json's edge convention (pixel i spans [i, i + 1)); OpenCV, and
so both libraries, put pixel centres on integers, hence the half-pixel shifts below.
"""

from __future__ import annotations


import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import numpy as np

from factory.augment import resample
from factory.errors import require

# albumentations asks PyPI for a newer version at import time unless told not to: a network call
# from every worker that imports it. This is the library's documented switch; it is set only
# when unset, before the first import.
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


@lru_cache(maxsize=1)
def _albumentations():
    return require("albumentations", "augment", "The augment stage")


@lru_cache(maxsize=1)
def _cv2():
    return require("cv2", "augment", "The augment stage")


def libraries_available(names=()) -> None:
    """Import both libraries now (raises MissingExtraError with the pip command if one is missing),
    and load the compiled area resize if op `scale` may run (~0.3 s once per process, not in the
    first sample's time)."""
    _albumentations()
    require("augraphy", "augment", "The augment stage")
    if "scale" in names and resample.available():
        resample.area_downscale(np.zeros((2, 2, 3), dtype=np.uint8), 1, 1)


def versions() -> dict[str, str]:
    from importlib.metadata import version

    return {name: version(name) for name in ("albumentations", "augraphy")}


# --- albumentations --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _fast_transforms():
    """RandomShadow and GaussNoise with the library's own parameters (shadow polygons, noise field,
    drawn from the transform's seeded generators as before) but a cheaper `apply` that writes the
    same bytes (tests/test_augment.py compares them): the stock shadow darkens through float64
    copies of the shaded pixels, the stock noise broadcasts its one luminance field to three
    float32 channels and adds in float. On uint8 both are integer maps: a 256-entry table under a
    polygon mask (OpenCV's masked copy into the shadow's bounding box), and a saturating add of the
    field truncated to int16."""
    A = _albumentations()
    cv2 = _cv2()

    class Shadow(A.RandomShadow):
        def apply(self, img: np.ndarray, vertices_list, intensities, **params: Any) -> np.ndarray:
            if img.dtype != np.uint8 or img.ndim != 3:
                return super().apply(img, vertices_list, intensities, **params)
            out = img.copy()
            levels = np.arange(256, dtype=np.float64)
            height, width = img.shape[:2]
            for vertices, intensity in zip(vertices_list, intensities):
                # the polygon filled in a mask of its own bounding box only (integer vertices: the
                # same pixels as in a whole-image mask, shifted), not in a page-sized one
                vertices = np.asarray(vertices, dtype=np.int32).reshape(-1, 2)
                x0, y0 = max(int(vertices[:, 0].min()), 0), max(int(vertices[:, 1].min()), 0)
                x1, y1 = min(int(vertices[:, 0].max()) + 1, width), min(int(vertices[:, 1].max()) + 1, height)
                if x1 <= x0 or y1 <= y0:
                    continue
                mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
                cv2.fillPoly(mask, [vertices - np.array([x0, y0], dtype=np.int32)], (255,))
                table = (levels * (1 - intensity)).astype(np.uint8)  # the stock code's float64 product, truncated
                region = out[y0:y1, x0:x1]
                cv2.copyTo(cv2.LUT(region, table), mask, region)  # in place, where the mask is set (10x np.copyto's `where`)
            return out

    class Noise(A.GaussNoise):
        def apply(self, img: np.ndarray, noise_map: np.ndarray, **params: Any) -> np.ndarray:
            shared = noise_map.ndim == 3 and (noise_map.shape[2] == 1 or noise_map.strides[2] == 0)  # one field, broadcast
            if img.dtype != np.uint8 or img.ndim != 3 or not shared:
                return super().apply(img, noise_map, **params)
            field = noise_map[:, :, 0].astype(np.int16)  # truncated towards zero, as the stock add does
            return cv2.add(img, cv2.merge([field] * img.shape[2]), dtype=cv2.CV_8U)

    class AreaResize(A.Resize):
        """Resize whose area-average downscale runs as two vectorised passes
        (factory/augment/resample.py) instead of OpenCV's scalar loop; the keypoints are the library's."""

        def apply(self, img: np.ndarray, **params: Any) -> np.ndarray:
            shrinks = self.height <= img.shape[0] and self.width <= img.shape[1] and (self.height, self.width) != img.shape[:2]
            if self.interpolation == cv2.INTER_AREA and shrinks and img.dtype == np.uint8 and img.ndim == 3 and resample.available():
                return resample.area_downscale(img, self.width, self.height)
            return super().apply(img, **params)

    class Perspective(A.Perspective):
        """Perspective warping four channels: OpenCV's bilinear warp of 8-bit RGBA runs ~40% faster
        than of RGB (vectorised for four channels), more than the two conversions cost; each channel
        is interpolated alone with the same weights, so the RGB bytes are the same."""

        def apply(self, img: np.ndarray, matrix: np.ndarray, max_height: int, max_width: int, **params: Any) -> np.ndarray:
            if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
                return super().apply(img, matrix, max_height, max_width, **params)
            rgba = cv2.cvtColor(img, cv2.COLOR_RGB2RGBA)
            return cv2.cvtColor(super().apply(rgba, matrix, max_height, max_width, **params), cv2.COLOR_RGBA2RGB)

    return Shadow, Noise, AreaResize, Perspective


@lru_cache(maxsize=1)
def _glare_transform():
    """Illumination's gaussian brightening, without its bounds: albumentations takes intensity
    0.01-0.2 and a spot size (sigma) 0.2-1, narrower than glare's documented 0-0.5 and 0.1-1 (and
    the default intensity 0.08-0.25), so a glare past them ended the run with a ValueError (the
    `screen` preset among others). The same draws from the transform's seeded generator, in the
    same order, and the same pixel function: a glare within Illumination's bounds is the same bytes."""
    A = _albumentations()
    from albumentations.augmentations.pixel import functional as fpixel
    from albumentations.core.transforms_interface import BaseTransformInitSchema

    class Glare(A.ImageOnlyTransform):
        class InitSchema(BaseTransformInitSchema):
            intensity: float
            sigma: float

        def __init__(self, intensity: float, sigma: float, p: float = 1.0):
            super().__init__(p=p)
            self.intensity, self.sigma = intensity, sigma

        def get_params_dependent_on_data(self, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
            self.py_random.uniform(self.intensity, self.intensity)  # Illumination's intensity draw
            center = (self.py_random.uniform(0.15, 0.85), self.py_random.uniform(0.15, 0.85))
            self.py_random.uniform(self.sigma, self.sigma)  # and its sigma draw
            return {"center": center}

        def apply(self, img: np.ndarray, center: tuple[float, float], **params: Any) -> np.ndarray:
            return fpixel.apply_gaussian_illumination(img, intensity=self.intensity, center=center, sigma=self.sigma)

    return Glare


def _albumentations_transform(name: str, params: dict[str, Any], shape: tuple[int, int]):
    A = _albumentations()
    cv2 = _cv2()
    grey = lambda v: (int(v),) * 3  # noqa: E731
    height, width = shape
    if name == "shadow":
        n = int(params["count"])
        i = float(params["intensity"])
        return _fast_transforms()[0](shadow_roi=(0, 0, 1, 1), num_shadows_limit=(n, n), shadow_dimension=5, shadow_intensity_range=(i, i), p=1)
    if name == "glare":
        return _glare_transform()(intensity=float(params["intensity"]), sigma=float(params["radius"]), p=1)
    if name == "rotate":
        d = float(params["degrees"])
        return A.Affine(rotate=(d, d), fit_output=True, border_mode=cv2.BORDER_CONSTANT, fill=grey(params["fill"]), p=1)
    if name == "shear":
        d = float(params["degrees"])
        return A.Affine(shear={"x": (d, d), "y": (0, 0)}, fit_output=True, border_mode=cv2.BORDER_CONSTANT, fill=grey(params["fill"]), p=1)
    if name == "perspective":
        s = float(params["scale"])
        return _fast_transforms()[3](scale=(s, s), keep_size=False, fit_output=True, border_mode=cv2.BORDER_CONSTANT, fill=grey(params["fill"]), p=1)
    if name == "crop_pad":
        top, right, bottom, left = (int(v) for v in params["px"])
        return A.CropAndPad(px=(top, right, bottom, left), keep_size=False, sample_independently=False, border_mode=cv2.BORDER_CONSTANT, fill=grey(params["fill"]), p=1)
    if name == "scale":
        f = float(params["factor"])
        size = (max(1, round(height * f)), max(1, round(width * f)))
        return _fast_transforms()[2](*size, interpolation=cv2.INTER_AREA if f < 1 else cv2.INTER_LINEAR, p=1)
    if name == "downscale":
        f = float(params["factor"])
        return A.Downscale(scale_range=(f, f), interpolation_pair={"downscale": cv2.INTER_AREA, "upscale": cv2.INTER_LINEAR}, p=1)
    if name == "gaussian_blur":
        s = float(params["sigma"])
        return A.GaussianBlur(sigma_limit=(s, s), blur_limit=0, p=1)
    if name == "motion_blur":
        k = int(params["length"]) | 1  # odd
        return A.MotionBlur(blur_limit=(k, k), allow_shifted=False, p=1)
    if name == "brightness_contrast":
        b, c = float(params["brightness"]), float(params["contrast"])
        return A.RandomBrightnessContrast(brightness_limit=(b, b), contrast_limit=(c, c), p=1)
    if name == "gamma":
        g = float(params["gamma"]) * 100
        return A.RandomGamma(gamma_limit=(g, g), p=1)
    if name == "color_jitter":
        h, s = float(params["hue"]), float(params["saturation"])
        return A.ColorJitter(brightness=(1, 1), contrast=(1, 1), saturation=(s, s), hue=(h, h), p=1)
    if name == "noise":
        s = float(params["std"])
        return _fast_transforms()[1](std_range=(s, s), per_channel=False, p=1)  # one field for all channels: 3x cheaper
    if name == "jpeg":
        q = int(params["quality"])
        return A.ImageCompression(compression_type="jpeg", quality_range=(q, q), p=1)
    raise KeyError(name)


def _run_albumentations(name: str, params: dict[str, Any], seed: int, image: np.ndarray, points: np.ndarray | None, geometric: bool):
    A = _albumentations()
    transform = _albumentations_transform(name, params, image.shape[:2])
    if not geometric or points is None:
        transform.set_random_seed(seed)
        return transform(image=image)["image"], points
    pipeline = A.Compose([transform], seed=seed, keypoint_params=A.KeypointParams(format="xy", remove_invisible=False))
    out = pipeline(image=image, keypoints=points - 0.5)
    moved = np.asarray(out["keypoints"], dtype=np.float64)[:, :2] + 0.5
    return out["image"], moved


# --- augraphy ----------------------------------------------------------------------------------


@contextmanager
def seeded_globals(seed: int, numba_too: bool = False) -> Iterator[None]:
    """The process-wide `random` and `numpy.random` (and numba's generator) seeded for one call;
    the previous Python and numpy states are restored afterwards."""
    py_state = random.getstate()
    np_state = np.random.get_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if numba_too:
        _numba_seeder()(seed % 2**32)
    try:
        yield
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)


@lru_cache(maxsize=1)
def _numba_seeder():
    import numba

    @numba.njit(cache=False)
    def seed(value):  # numba keeps its own generator, seeded only from compiled code
        random.seed(value)
        np.random.seed(value)

    return seed


@lru_cache(maxsize=1)
def _hermetic_bleed_through():
    from augraphy.augmentations.bleedthrough import BleedThrough

    class HermeticBleedThrough(BleedThrough):
        """BleedThrough that shows the page's own mirrored ink: the stock class first looks for
        pictures in ./augraphy_cache under the current directory, which would make the output
        depend on where the run was started."""

        def create_bleedthrough_foreground(self, image: np.ndarray) -> np.ndarray:
            return _cv2().flip(image, 1)

    return HermeticBleedThrough


def _run_augraphy(name: str, params: dict[str, Any], seed: int, image: np.ndarray, points: np.ndarray | None):
    if name == "paper_texture":
        from augraphy.augmentations.noisetexturize import NoiseTexturize

        # NoiseTexturize divides its noise scale by turbulence until it reaches 1: at 1 it never
        # does (a run hung); a milder redraw may round it down to 1, so it stays at least 2
        s, t = int(params["sigma"]), max(2, int(params["turbulence"]))
        with seeded_globals(seed):
            return NoiseTexturize(sigma_range=(s, s), turbulence_range=(t, t), p=1)(image, force=True), points
    if name == "bleed_through":
        a, o = float(params["alpha"]), int(params["offset"])
        with seeded_globals(seed):
            return _hermetic_bleed_through()(alpha=a, offsets=(o, o), p=1)(image, force=True), points
    if name == "moire":
        from augraphy.augmentations.moire import Moire

        a, d = float(params["alpha"]), int(params["density"])
        with seeded_globals(seed, numba_too=True):
            return Moire(moire_density=(d, d), moire_blend_alpha=a, p=1)(image, force=True), points
    if name == "fold":
        from augraphy.augmentations.folding import Folding

        c, d, w = int(params["count"]), float(params["depth"]), float(params["width"])
        fold = Folding(fold_count=c, gradient_width=(w, w), gradient_height=(d, d), fold_noise=0.0, backdrop_color=(0, 0, 0), p=1)
        with seeded_globals(seed):
            if points is None:
                return fold(image, force=True), None
            keypoints = {"points": (points - 0.5).tolist()}
            out = fold(image, keypoints=keypoints, force=True)
        return out[0], np.asarray(keypoints["points"], dtype=np.float64).reshape(-1, 2) + 0.5
    raise KeyError(name)


def apply(name: str, library: str, geometric: bool, params: dict[str, Any], seed: int, image: np.ndarray, points: np.ndarray | None):
    """(image, points) after operation `name`; `points` is None when nothing needs moving."""
    if library == "albumentations":
        out, moved = _run_albumentations(name, params, seed, image, points, geometric)
    else:  # augraphy may write into its input
        out, moved = _run_augraphy(name, params, seed, image if image.flags.writeable else image.copy(), points)
    out = np.ascontiguousarray(out)
    if out.ndim == 2:
        out = np.repeat(out[:, :, None], 3, axis=2)
    return out, moved
