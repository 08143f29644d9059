"""What a sample claims, from its json alone: the texts it places in its image (with their boxes),
the locale they are written in, and whether its body face is a serif."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class TextItem:
    """A text the sample's json places in its image: text, [x0, y0, x1, y1] image pixels, kind."""

    text: str
    box: tuple[float, float, float, float]
    kind: str
    angle: float = 0.0


CHART_SKIP = ("plot_area", "legends")


def sample_texts(meta: dict[str, Any]) -> list[TextItem]:
    """Every text with a box that the sample's json lists (charts, pages, table images)."""
    generator = (meta.get("generator") or {}).get("name", "")
    render = meta.get("render") or {}
    items: list[TextItem] = []
    if generator == "charts":
        style = (meta.get("source") or {}).get("style") or {}
        barh = (meta.get("source") or {}).get("chart_type") == "barh"
        for key, entries in (render.get("elements") or {}).items():
            if key in CHART_SKIP:
                continue
            for entry in entries:
                text = str(entry.get("text", "")).strip()
                if not text:
                    continue
                angle = 0.0
                if key == "x_tick_labels" and not barh:
                    angle = float(style.get("x_rotation", 0) or 0)
                elif key == "y_label":
                    angle = 90.0
                items.append(TextItem(text, tuple(entry["box"]), key, angle))
    elif generator == "table_images":
        for cell in (meta.get("targets") or {}).get("cells") or []:
            text = str(cell.get("text", "")).strip()
            if text:
                items.append(TextItem(text, tuple(cell["box"]), "cell"))
    else:
        for entry in render.get("boxes") or []:
            text = str(entry.get("text", "")).strip()
            if entry.get("kind") == "text" and text:
                items.append(TextItem(text, tuple(entry["box"]), "text"))
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
