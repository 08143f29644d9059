"""What a sample claims, from its json alone: the texts it places in its image (with their boxes),
the locale they are written in, and whether its body face is a serif."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


class SampleDamage(Exception):
    """A sample whose json or image the audit cannot read (not JSON, a box that is no four numbers, a
    truncated PNG): it is skipped and named in the summary, and the audit goes on with the others."""


@dataclass
class TextItem:
    """A text the sample's json places in its image: text, [x0, y0, x1, y1] image pixels, kind."""

    text: str
    box: tuple[float, float, float, float]
    kind: str
    angle: float = 0.0


CHART_SKIP = ("plot_area", "legends")


def field_of(value: dict[str, Any], name: str, kind: type = dict) -> Any:
    """`value[name]` when it is a `kind` (an empty one when missing or null); a SampleDamage naming the
    field otherwise, so a damaged json skips its sample instead of ending the audit."""
    got = value.get(name)
    if got is None:
        return kind()
    if not isinstance(got, kind):
        raise SampleDamage(f"its json's '{name}' is {_short(got)}, not a {'list' if kind is list else 'JSON object'}")
    return got


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _entries(value: dict[str, Any], name: str) -> list[dict[str, Any]]:
    entries = field_of(value, name, list)
    for entry in entries:
        if not isinstance(entry, dict):
            raise SampleDamage(f"its json's '{name}' holds {_short(entry)}, not a JSON object")
    return entries


def _box(entry: dict[str, Any], text: str) -> tuple[float, float, float, float]:
    """An entry's box as four finite numbers (a SampleDamage naming the text otherwise)."""
    box = entry.get("box")
    if (not isinstance(box, (list, tuple)) or len(box) != 4
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in box)):
        raise SampleDamage(f"the box of text {text[:40]!r} is {_short(box)}, not four finite numbers")
    return tuple(float(v) for v in box)  # type: ignore[return-value]


def sample_texts(meta: dict[str, Any]) -> list[TextItem]:
    """Every text with a box that the sample's json lists (charts, pages, table images); a
    SampleDamage when the json is not shaped so (a box that is no four finite numbers)."""
    generator = field_of(meta, "generator").get("name", "")
    render = field_of(meta, "render")
    source = field_of(meta, "source")
    items: list[TextItem] = []
    if generator == "charts":
        style = field_of(source, "style")
        barh = source.get("chart_type") == "barh"
        for key, entries in field_of(render, "elements").items():
            if key in CHART_SKIP:
                continue
            for entry in _entries(render["elements"], key):
                text = str(entry.get("text", "")).strip()
                if not text:
                    continue
                angle = 0.0
                if key == "x_tick_labels" and not barh:
                    rotation = style.get("x_rotation", 0) or 0
                    if not isinstance(rotation, (int, float)) or not math.isfinite(rotation):
                        raise SampleDamage(f"its chart style's x_rotation is {_short(rotation)}, not a number")
                    angle = float(rotation)
                elif key == "y_label":
                    angle = 90.0
                items.append(TextItem(text, _box(entry, text), key, angle))
    elif generator == "table_images":
        for cell in _entries(field_of(meta, "targets"), "cells"):
            text = str(cell.get("text", "")).strip()
            if text:
                items.append(TextItem(text, _box(cell, text), "cell"))
    else:
        for entry in _entries(render, "boxes"):
            text = str(entry.get("text", "")).strip()
            if entry.get("kind") == "text" and text:
                items.append(TextItem(text, _box(entry, text), "text"))
    return items


def sample_locale(meta: dict[str, Any]) -> str:
    """The locale a sample's text is written in, from its json ('en_US' when it names none): a document's
    `source.locale`, a page's or table's `source.theme.locale`, a chart's `source.table.facts.locale`,
    a corpus page's identified `source.language`."""
    source = meta.get("source") or {}
    table = source.get("table") if isinstance(source.get("table"), dict) else {}
    for value in (source.get("locale"), (source.get("theme") or {}).get("locale") if isinstance(source.get("theme"), dict) else None,
                  (table.get("facts") or {}).get("locale") if isinstance(table.get("facts"), dict) else None, source.get("language")):
        if isinstance(value, str) and value:
            return value.replace("-", "_")
    return "en_US"


def sample_serif(meta: dict[str, Any]) -> bool:
    """Whether the sample's body text is set in a serif face (its first family names a Serif, not a Sans):
    the control is set in the serif cut then (Ethiopic read clean in Noto Sans and missed in Noto Serif
    was no image fault: 449 such 'image misses' in 10 Amharic samples)."""
    source = meta.get("source") or {}
    style = source.get("style") if isinstance(source.get("style"), dict) else {}
    theme = source.get("theme") if isinstance(source.get("theme"), dict) else {}
    for value in ((style.get("fonts") or {}).get("body") if isinstance(style.get("fonts"), dict) else None, style.get("font_family"),
                  (theme.get("fonts") or {}).get("body") if isinstance(theme.get("fonts"), dict) else None, theme.get("font")):
        if isinstance(value, str) and value:
            first = value.split(",")[0]
            return "Serif" in first or "Naskh" in first
    return False


def sample_mono(meta: dict[str, Any]) -> bool:
    """Whether a chart is set in a monospace face, whose dotted or slashed zero OCR reads as 8, 6 or 9."""
    style = (meta.get("source") or {}).get("style")
    return isinstance(style, dict) and "Mono" in str(style.get("font_family", ""))
