"""PNG, JPEG and WebP encoding: lossless where it must be, and the same bytes for the same pixels."""

import io

import numpy as np
import pytest
from PIL import Image

from factory.images import decode, decode_with_pixels, encode


def _chart_like(mode: str) -> Image.Image:
    """Flat colour blocks, a gradient and noise, so every filter choice would show a difference."""
    rng = np.random.default_rng(3)
    pixels = np.full((61, 83, 4), 255, np.uint8)
    pixels[10:40, 5:30] = (31, 119, 180, 255)
    pixels[:, 40:, 0] = np.linspace(0, 255, 43, dtype=np.uint8)
    pixels[45:, :, :3] = rng.integers(0, 256, (16, 83, 3), dtype=np.uint8)
    pixels[:, :, 3] = rng.integers(0, 256, (61, 83), dtype=np.uint8)
    return Image.fromarray(pixels, "RGBA").convert(mode)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA", "1"])
@pytest.mark.parametrize("level", [0, 1, 6, 9])
def test_png_is_lossless_in_every_mode_and_level(mode, level):
    image = _chart_like(mode)
    data = encode(image, "png", png_compress_level=level)
    back = decode(data)
    assert back.size == image.size
    assert np.array_equal(np.asarray(back.convert("RGBA")), np.asarray(image.convert("RGBA")))
    assert data == encode(image.copy(), "png", png_compress_level=level)  # same pixels, same bytes


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P", "LA", "1"])
def test_an_rgb_png_comes_with_its_pixels_every_other_stays_pillows(mode):
    """8-bit RGB PNGs (Chromium's screenshots) decode to a read-only array the degradation stage
    takes as it is; any other mode keeps Pillow's own image, mode and all, and no array."""
    data = encode(_chart_like(mode), "png")
    pillows = Image.open(io.BytesIO(data))
    back, pixels = decode_with_pixels(data)
    assert back.mode == pillows.mode
    assert np.array_equal(np.asarray(back), np.asarray(pillows))
    if pillows.mode == "RGB":
        assert pixels is not None and not pixels.flags.writeable
        assert np.array_equal(pixels, np.asarray(pillows))
    else:
        assert pixels is None
    assert decode_with_pixels(encode(_chart_like("RGB"), "jpg"))[1] is None


def test_png_levels_trade_size_for_time():
    image = _chart_like("RGB")
    sizes = [len(encode(image, "png", png_compress_level=level)) for level in (0, 1, 9)]
    assert sizes[0] > sizes[1] >= sizes[2]
    assert sizes[0] > image.width * image.height * 3  # level 0 stores the rows as they are


def test_png_of_a_rendered_chart_is_no_bigger_than_pillows():
    """Unfiltered rows must not cost size on what the factory draws: flat colour and text."""
    from factory.generators.charts import ChartGenerator, ChartOptions
    from renderers.matplotlib_renderer import MatplotlibRenderer

    generator = ChartGenerator(ChartOptions())
    image = MatplotlibRenderer({}).render(generator.sample(np.random.default_rng(5), 5)).image
    ours = len(encode(image, "png", png_compress_level=1))
    pillow = io.BytesIO()
    image.save(pillow, format="PNG", compress_level=1)
    assert ours <= 1.1 * len(pillow.getvalue())


@pytest.mark.parametrize("fmt", ["jpg", "webp"])
def test_lossy_formats_decode_at_the_same_size(fmt):
    image = _chart_like("RGBA")
    back = decode(encode(image, fmt, quality=90))
    assert back.format == ("JPEG" if fmt == "jpg" else "WEBP") and back.size == image.size


def test_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown image format"):
        encode(_chart_like("RGB"), "gif")
