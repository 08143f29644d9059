"""What a recipe's `augment:` section may say, checked when the recipe loads.

Every operation has a fixed place in the pipeline (the resolution, then paper, then light on the
object, then the camera's geometry, then optics, then the sensor, then the file), a probability `p`, and
parameters given as ranges `[low, high]` (or one number) inside the bounds listed here. A
preset is a ready-made set of operations; the recipe's `ops` change or add to it. Nothing here
imports the image libraries: a recipe loads without them.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator


@dataclass(frozen=True)
class Param:
    bounds: tuple[float, float]  # what a recipe may ask for
    default: tuple[float, float]  # the range used when the recipe does not name this parameter
    identity: float  # the value that changes nothing: a milder redraw moves halfway towards it
    integer: bool = False
    help: str = ""


@dataclass(frozen=True)
class OpSpec:
    library: str  # "albumentations" or "augraphy"
    geometric: bool  # moves pixels (so every box moves with them)
    help: str
    params: dict[str, Param] = field(default_factory=dict)


_FILL = Param((0, 255), (235, 255), 255, True, "grey level of the uncovered corners")

# Pipeline order: dict order is the order operations run in.
OPS: dict[str, OpSpec] = {
    "scale": OpSpec("albumentations", True, "resize the whole image (Resize); text never below the legible size; runs first, so every later op touches fewer pixels", {
        "factor": Param((0.2, 4.0), (0.6, 1.3), 1.0, False, "new size / old size"),
    }),
    "paper_texture": OpSpec("augraphy", False, "paper grain (augraphy NoiseTexturize)", {
        "sigma": Param((1, 20), (3, 6), 1, True, "strength of the grain"),
        "turbulence": Param((2, 10), (2, 4), 1, True, "scale of the grain's fibres (augraphy loops forever at 1)"),
    }),
    "bleed_through": OpSpec("augraphy", False, "ink of the page's back showing through (augraphy BleedThrough)", {
        "alpha": Param((0.0, 0.6), (0.08, 0.2), 0.0, False, "opacity of the back side"),
        "offset": Param((0, 60), (5, 25), 0, True, "shift of the back side, px"),
    }),
    "fold": OpSpec("augraphy", True, "vertical folds that bend the page (augraphy Folding)", {
        "count": Param((1, 4), (1, 2), 0, True, "number of folds"),
        "depth": Param((0.0, 0.04), (0.004, 0.012), 0.0, False, "how far a fold pushes rows down, share of height"),
        "width": Param((0.04, 0.4), (0.08, 0.2), 0.04, False, "width of a fold, share of width"),
    }),
    "shadow": OpSpec("albumentations", False, "cast shadows (RandomShadow)", {
        "intensity": Param((0.0, 0.8), (0.15, 0.35), 0.0, False, "darkening inside a shadow"),
        "count": Param((1, 3), (1, 2), 1, True, "number of shadows"),
    }),
    "glare": OpSpec("albumentations", False, "a soft bright spot: screen or lamp glare (Illumination, gaussian)", {
        "intensity": Param((0.0, 0.5), (0.08, 0.25), 0.0, False, "brightening at the spot's centre"),
        "radius": Param((0.1, 1.0), (0.25, 0.6), 0.1, False, "spot size, share of the image"),
    }),
    "rotate": OpSpec("albumentations", True, "small rotation, canvas grown to keep every corner (Affine)", {
        "degrees": Param((-20, 20), (-2, 2), 0.0, False, "angle, counter-clockwise"),
        "fill": _FILL,
    }),
    "shear": OpSpec("albumentations", True, "horizontal shear, canvas grown to fit (Affine)", {
        "degrees": Param((-15, 15), (-3, 3), 0.0, False, "shear angle"),
        "fill": _FILL,
    }),
    "perspective": OpSpec("albumentations", True, "perspective warp of a photographed page (Perspective)", {
        "scale": Param((0.0, 0.15), (0.02, 0.05), 0.0, False, "corner jitter, share of the image side"),
        "fill": Param((0, 255), (40, 140), 255, True, "grey level of the surface around the page"),
    }),
    "crop_pad": OpSpec("albumentations", True, "each side cut (negative) or padded (positive); never cuts text (CropAndPad)", {
        "percent": Param((-0.25, 0.5), (-0.02, 0.05), 0.0, False, "share of the side's length, per side"),
        "fill": _FILL,
    }),
    "moire": OpSpec("augraphy", False, "moire stripes of a photographed screen (augraphy Moire)", {
        "alpha": Param((0.0, 0.5), (0.05, 0.15), 0.0, False, "opacity of the stripes"),
        "density": Param((5, 40), (12, 20), 5, True, "stripe density"),
    }),
    "downscale": OpSpec("albumentations", False, "lose resolution: down then up again, same size (Downscale)", {
        "factor": Param((0.2, 1.0), (0.5, 0.9), 1.0, False, "intermediate size / size"),
    }),
    "gaussian_blur": OpSpec("albumentations", False, "defocus (GaussianBlur); sigma bounded by the smallest text", {
        "sigma": Param((0.0, 5.0), (0.3, 1.0), 0.0, False, "standard deviation, px"),
    }),
    "motion_blur": OpSpec("albumentations", False, "camera shake (MotionBlur); length bounded by the smallest text", {
        "length": Param((3, 31), (3, 5), 3, True, "kernel length, px (odd)"),
    }),
    "brightness_contrast": OpSpec("albumentations", False, "exposure (RandomBrightnessContrast)", {
        "brightness": Param((-0.5, 0.5), (-0.12, 0.12), 0.0, False, "added brightness, share of the range"),
        "contrast": Param((-0.5, 0.5), (-0.2, 0.1), 0.0, False, "contrast change, share"),
    }),
    "gamma": OpSpec("albumentations", False, "tone curve (RandomGamma)", {
        "gamma": Param((0.3, 3.0), (0.8, 1.25), 1.0, False, "gamma exponent"),
    }),
    "color_jitter": OpSpec("albumentations", False, "white balance and saturation (ColorJitter)", {
        "hue": Param((-0.5, 0.5), (-0.03, 0.03), 0.0, False, "hue shift, share of the circle"),
        "saturation": Param((0.0, 3.0), (0.7, 1.3), 1.0, False, "saturation factor"),
    }),
    "noise": OpSpec("albumentations", False, "sensor noise (GaussNoise, luminance)", {
        "std": Param((0.0, 0.3), (0.015, 0.05), 0.0, False, "standard deviation, share of the range"),
    }),
    "jpeg": OpSpec("albumentations", False, "JPEG re-compression (ImageCompression)", {
        "quality": Param((5, 100), (45, 85), 100, True, "JPEG quality"),
    }),
}

# Ready-made sets: op -> {"p": probability, parameter: range}. Ranges not named take the default.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    # A phone photo of a monitor or projected slide.
    "screen": {
        "glare": {"p": 0.5},
        "perspective": {"p": 0.8, "scale": [0.02, 0.06], "fill": [10, 60]},
        "moire": {"p": 0.6},
        "gaussian_blur": {"p": 0.4, "sigma": [0.3, 0.8]},
        "brightness_contrast": {"p": 0.5},
        "color_jitter": {"p": 0.5},
        "noise": {"p": 0.6, "std": [0.02, 0.05]},
        "jpeg": {"p": 0.9, "quality": [50, 85]},
    },
    # A scanned or photocopied print-out.
    "scan": {
        "paper_texture": {"p": 0.7},
        "bleed_through": {"p": 0.3},
        "fold": {"p": 0.3},
        "rotate": {"p": 0.8, "degrees": [-1.5, 1.5]},
        "downscale": {"p": 0.3, "factor": [0.6, 0.9]},
        "gaussian_blur": {"p": 0.3, "sigma": [0.3, 0.7]},
        "gamma": {"p": 0.5},
        "noise": {"p": 0.3, "std": [0.01, 0.03]},
        "jpeg": {"p": 0.5, "quality": [60, 90]},
    },
    # A phone photo of a printed page or chart: captured at a lower resolution than the render
    # (never below the legible text size), warped, lit unevenly, compressed. Probabilities keep
    # the stage near 10% of a sample's time (bench/bench_augment.py): warps, noise and JPEG cost
    # the most per pixel, and the resize first makes every later op cheaper.
    "photo": {
        "scale": {"p": 0.8, "factor": [0.6, 0.9]},
        "shadow": {"p": 0.2},
        "perspective": {"p": 0.6},
        "gaussian_blur": {"p": 0.25, "sigma": [0.3, 0.8]},
        "motion_blur": {"p": 0.1},
        "brightness_contrast": {"p": 0.5},
        "gamma": {"p": 0.3},
        "color_jitter": {"p": 0.15},
        "noise": {"p": 0.15},
        "jpeg": {"p": 0.7, "quality": [55, 85]},
    },
    # A screenshot shared online: resized, trimmed or padded, re-compressed.
    "web": {
        "crop_pad": {"p": 0.4},
        "scale": {"p": 0.6, "factor": [0.6, 1.25]},
        "downscale": {"p": 0.2, "factor": [0.6, 0.9]},
        "color_jitter": {"p": 0.2, "hue": [-0.01, 0.01], "saturation": [0.9, 1.1]},
        "jpeg": {"p": 0.9, "quality": [35, 80]},
    },
}
PRESET_NAMES = ("none", *PRESETS)


def _known(what: str, name: str, known: list[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown {what} '{name}'{hint}; known: {', '.join(known)}"


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_op(name: str, entry: Any) -> dict[str, Any]:
    """One op's recipe entry as {"p": float, parameter: [low, high], ...} with only the fields it
    names; ValueError names the problem."""
    if name not in OPS:
        raise ValueError(_known("augment op", name, list(OPS)))
    spec = OPS[name]
    if entry is None or entry is True:
        entry = {}
    if not isinstance(entry, dict):
        raise ValueError(f"op '{name}' takes a mapping like {{p: 0.5, ...}}, or false to turn it off; got {entry!r}")
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if key == "p":
            if not _number(value) or not 0 <= value <= 1:
                raise ValueError(f"op '{name}': p must be a probability in [0, 1], got {value!r}")
            out["p"] = float(value)
            continue
        if key not in spec.params:
            known = ["p", *spec.params]
            raise ValueError(f"op '{name}': " + _known("parameter", key, known))
        param = spec.params[key]
        pair = [value, value] if _number(value) else value
        if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(_number(v) for v in pair)):
            raise ValueError(f"op '{name}': {key} must be a number or a range [low, high], got {value!r}")
        low, high = float(pair[0]), float(pair[1])
        if low > high:
            raise ValueError(f"op '{name}': {key} range [{pair[0]}, {pair[1]}] is reversed; write [low, high]")
        lo, hi = param.bounds
        if low < lo or high > hi:
            raise ValueError(f"op '{name}': {key} range [{pair[0]}, {pair[1]}] is outside the allowed [{lo:g}, {hi:g}]")
        out[key] = [int(low), int(high)] if param.integer and low.is_integer() and high.is_integer() else [low, high]
    return out


class AugmentPlan(BaseModel):
    """Which degradations a group of samples gets: a preset, changed or extended by `ops`."""

    model_config = ConfigDict(extra="forbid")
    preset: str = Field("none", description="screen, scan, photo, web or none")
    p: float = Field(1.0, ge=0, le=1, description="share of samples degraded at all")
    ops: dict[str, Any] = Field(default_factory=dict, description="op -> {p, parameter ranges}; false turns a preset op off")

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, value: str) -> str:
        if value not in PRESET_NAMES:
            raise ValueError(_known("augment preset", value, list(PRESET_NAMES)))
        return value

    @field_validator("ops", mode="before")
    @classmethod
    def _check_ops(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValueError(f"ops must be a mapping of op names to settings, got {type(value).__name__}")
        out: dict[str, Any] = {}
        for name, entry in value.items():
            name = str(name)
            if entry is False:
                if name not in OPS:
                    raise ValueError(_known("augment op", name, list(OPS)))
                out[name] = False
            else:
                out[name] = check_op(name, entry)
        return {k: out[k] for k in OPS if k in out}  # pipeline order, whatever the recipe's order

    def resolved_ops(self) -> dict[str, dict[str, Any]]:
        """op -> {"p", every parameter as [low, high]}, in pipeline order: the preset, then `ops`."""
        merged: dict[str, dict[str, Any]] = {}
        for name, entry in PRESETS.get(self.preset, {}).items():
            merged[name] = dict(check_op(name, entry))
        for name, entry in self.ops.items():
            if entry is False:
                merged.pop(name, None)
            else:
                merged[name] = {**merged.get(name, {}), **entry}  # fields named change, others stay
        out = {}
        for name in OPS:
            if name in merged:
                entry = merged[name]
                params = {k: list(entry.get(k, OPS[name].params[k].default)) for k in OPS[name].params}
                out[name] = {"p": entry.get("p", 1.0), **params}
        return out

    @property
    def active(self) -> bool:
        return self.p > 0 and bool(self.resolved_ops())


class AugmentOptions(AugmentPlan):
    """The recipe's `augment:` section: a plan for every sample, plans per task or generator that
    replace it for their samples, and whether to record the undegraded image's hash."""

    keep_clean: bool = Field(False, description="record the undegraded image's sha256 (factory.loaders.clean_image renders it again)")
    tasks: dict[str, AugmentPlan] = Field(default_factory=dict, description="task -> its own plan")
    generators: dict[str, AugmentPlan] = Field(default_factory=dict, description="generator -> its own plan")

    def plan_for(self, task: str, generator: str) -> AugmentPlan:
        """A task's own plan first, then its generator's, then the recipe-wide one."""
        if task in self.tasks:
            return self.tasks[task]
        if generator in self.generators:
            return self.generators[generator]
        return self

    @property
    def any_active(self) -> bool:
        return self.active or any(p.active for p in self.tasks.values()) or any(p.active for p in self.generators.values())
