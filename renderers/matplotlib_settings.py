"""The Matplotlib renderer's recipe settings, apart from the renderer so that checking a recipe
does not import Matplotlib."""

from __future__ import annotations

from pydantic import Field

from factory.components import Options

MAX_DRAWS = 10


class MatplotlibSettings(Options):
    """Recipe `renderers: {matplotlib: {...}}`."""

    max_draws: int = Field(MAX_DRAWS, ge=1, le=50, description="draws per chart, repairs included, before it is dropped")
    max_width_px: int = Field(1400, ge=100, le=8000, description="the widest a repair may make a figure")
    max_height_px: int = Field(1200, ge=100, le=8000, description="the tallest a repair may make a figure")
