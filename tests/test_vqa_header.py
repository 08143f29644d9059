"""PrepareImage(header="prompt"): the question rendered above the chart the way Pix2Struct's VQA
processor does (render_header), read back with real OCR."""

from __future__ import annotations

import re
import shutil
import subprocess

import numpy as np
import pytest
from PIL import Image

from factory.errors import FactoryError
from factory.image_prep import PrepareImage, render_header, render_text
from factory.loaders import open_dataset


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def test_header_is_the_question_above_the_scaled_chart(chart_dataset, tmp_path):
    sample = next(s for s in open_dataset(chart_dataset, tasks="chart_qa"))
    question = sample["meta"]["prompt"]
    chart = sample["image"].copy()
    out = PrepareImage(header="prompt", max_patches=4096)(dict(sample, image=chart.copy()))
    stacked = render_header(chart, question)
    head = render_text(question)
    width = max(head.width, chart.width)
    head_height = int(head.height * width / head.width)
    assert stacked.size == (width, head_height + int(chart.height * width / chart.width))
    below = np.asarray(stacked)[head_height:]
    assert np.array_equal(below, np.asarray(chart.resize((width, below.shape[0]))))  # the chart itself, only scaled
    assert out["image"].size != chart.size and out["image"].width % 16 == 0 and out["image"].height % 16 == 0
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract is not installed (scripts/setup.sh installs it)")
    stacked.crop((0, 0, width, head_height)).save(tmp_path / "header.png")
    read = subprocess.run(["tesseract", str(tmp_path / "header.png"), "stdout"], capture_output=True, text=True, timeout=60).stdout
    wanted, got = _words(question), set(_words(read))
    assert sum(w in got for w in wanted) >= 0.9 * len(wanted), (question, read)


def test_short_header_keeps_the_image_width_and_pixels():
    chart = Image.fromarray(np.random.default_rng(0).integers(0, 255, (300, 900, 3), dtype=np.uint8))
    stacked = render_header(chart, "Max?")
    assert stacked.width == 900 and np.array_equal(np.asarray(stacked)[stacked.height - 300 :], np.asarray(chart))
    long = render_text("word " * 40)
    assert long.height > render_text("word").height * 1.8  # wrapped at 80 characters: two lines


def test_header_option_is_checked_up_front():
    with pytest.raises(FactoryError, match="header must be 'prompt'"):
        PrepareImage(header="question")
    with pytest.raises(FactoryError, match="cannot be read"):
        PrepareImage(header="prompt", header_font="/nonexistent/font.ttf")
