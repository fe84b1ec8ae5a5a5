"""load_image(): upright RGBA pixels from PNG, JPEG and WebP, and clear refusals."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from capkit.errors import MediaError
from capkit.media import load_image, probe


def test_png_with_alpha_keeps_it(media):
    pixels = load_image(media.get("alpha.png"))
    assert pixels.shape == (30, 50, 4)
    assert pixels.dtype == np.uint8
    assert pixels.flags.c_contiguous
    assert pixels[0, 0, 3] == 0 and pixels[0, -1, 3] == 255
    assert (pixels[..., 1] == 200).all()


@pytest.mark.parametrize("name", ["photo.png", "photo.jpg"])
def test_opaque_pictures_get_an_opaque_alpha(media, name):
    pixels = load_image(media.get(name))
    assert pixels.shape == (40, 60, 4)
    assert (pixels[..., 3] == 255).all()
    assert tuple(pixels[5, 5, :3]) == pytest.approx((255, 0, 0), abs=12)
    assert tuple(pixels[-5, -5, :3]) == pytest.approx((0, 0, 0), abs=12)


def test_webp(media):
    pixels = load_image(media.get("picture.webp"))
    assert pixels.shape == (24, 32, 4)
    assert tuple(pixels[10, 10]) == (10, 120, 240, 255)


@pytest.mark.parametrize(
    ("name", "red_corner"),
    [
        # The stored picture is red in its top-left quarter; each EXIF turn moves that corner.
        ("photo_rot90.jpg", (5, -5)),  # turned clockwise: top-left -> top-right
        ("photo_rot180.jpg", (-5, -5)),
        ("photo_rot270.jpg", (-5, 5)),  # turned counter-clockwise: top-left -> bottom-left
    ],
)
def test_exif_orientation_is_applied(media, name, red_corner):
    path = media.get(name)
    pixels = load_image(path)
    video = probe(path).video
    assert pixels.shape[:2] == (video.display_height, video.display_width)
    y, x = red_corner
    assert tuple(pixels[y, x, :3]) == pytest.approx((255, 0, 0), abs=12)
    assert pixels[5, 5, 0] < 128  # the stored top-left is no longer top-left


def test_palette_and_greyscale_expand_to_rgba(tmp_path):
    palette = Image.new("P", (8, 6))
    palette.putpalette([0, 0, 0, 255, 128, 0] + [0] * 762)
    palette.putpixel((1, 1), 1)
    palette.save(tmp_path / "palette.png")
    grey16 = Image.fromarray(np.full((6, 8), 65535 // 2, dtype=np.uint16))
    grey16.save(tmp_path / "grey16.png")

    assert tuple(load_image(tmp_path / "palette.png")[1, 1]) == (255, 128, 0, 255)
    grey = load_image(tmp_path / "grey16.png")
    assert grey.shape == (6, 8, 4)
    assert tuple(grey[0, 0]) == (127, 127, 127, 255)


def test_not_an_image(media):
    path = media.get("notes.png")
    with pytest.raises(MediaError, match="not a PNG") as caught:
        load_image(path)
    assert str(path) in str(caught.value)


def test_truncated_jpeg(media, tmp_path):
    data = media.get("photo.jpg").read_bytes()
    path = tmp_path / "cut.jpg"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(MediaError, match="damaged") as caught:
        load_image(path)
    assert str(path) in str(caught.value)


def test_video_is_not_an_image(media):
    with pytest.raises(MediaError):
        load_image(media.get("index.mp4"))
