"""Still pictures: PNG, JPEG, WebP (and BMP, TIFF, static GIF) decoded with Pillow.

This module owns how capkit reads still images: :func:`load_image` gives display-oriented RGBA
pixels, and :func:`read_still_header` gives :func:`capkit.media.probe` the size and EXIF
orientation without decoding pixels. Pillow rather than FFmpeg reads pictures because it applies
EXIF orientation, handles palettes and transparency uniformly, and never needs a demuxer guess.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from capkit.errors import MediaError

# Formats Pillow may claim a file as. An explicit list keeps Pillow's weaker, magic-less
# detectors (TGA and friends) from claiming video files.
IMAGE_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "TIFF", "GIF")

_EXIF_ORIENTATION_TAG = 0x0112

# EXIF orientation -> (degrees clockwise to display, whether width and height swap). Mirrored
# orientations (2, 4, 5, 7) are applied in full by load_image; probe reports their rotation part.
_ORIENTATION = {
    1: (0, False),
    2: (0, False),
    3: (180, False),
    4: (180, False),
    5: (90, True),
    6: (90, True),
    7: (270, True),
    8: (270, True),
}

# Pillow mode -> the FFmpeg pixel format name with the same layout, so probe output reads alike
# for pictures and videos.
_PIX_FMT = {
    "1": "monob",
    "L": "gray",
    "LA": "ya8",
    "P": "pal8",
    "PA": "pal8",
    "RGB": "rgb24",
    "RGBA": "rgba",
    "RGBX": "rgb0",
    "CMYK": "cmyk",
    "YCbCr": "yuv444p",
    "I;16": "gray16le",
    "I;16B": "gray16be",
    "I": "gray32",
    "F": "grayf32",
}


@dataclass(frozen=True)
class StillHeader:
    """What probe needs from a still picture, read without decoding its pixels."""

    size: tuple[int, int]  # stored (width, height), before EXIF orientation
    rotation: int  # degrees clockwise to display
    swaps_axes: bool  # True when the displayed picture is height x width
    codec: str  # "png", "jpeg", "webp", ...
    pix_fmt: str


def read_still_header(path: Path) -> StillHeader | None:
    """Header facts of a still picture, or None if the file is not one (video, audio, junk).

    Animated GIF/WebP are left to FFmpeg (None here) so they are read as video.
    """
    try:
        with Image.open(path, formats=IMAGE_FORMATS) as im:
            if getattr(im, "n_frames", 1) > 1:
                return None
            orientation = im.getexif().get(_EXIF_ORIENTATION_TAG, 1)
            rotation, swaps = _ORIENTATION.get(orientation, (0, False))
            return StillHeader(
                size=im.size,
                rotation=rotation,
                swaps_axes=swaps,
                codec=(im.format or "image").lower(),
                pix_fmt=_PIX_FMT.get(im.mode, im.mode.lower()),
            )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None


def load_image(path: str | Path) -> np.ndarray:
    """Decode a still picture as display-oriented RGBA: uint8, shape (H, W, 4), C-contiguous.

    EXIF orientation (phone photos) is applied, palettes and greyscale are expanded, and pictures
    without transparency get an opaque alpha channel.
    """
    path = Path(path)
    if not path.is_file():
        raise MediaError(
            f"Image {path} was not found: check the path, or relink the media if it moved."
        )
    try:
        with warnings.catch_warnings():
            # Pillow warns (not raises) on huge images; a picture past its guard is refused below.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path, formats=IMAGE_FORMATS) as im:
                im.load()
                oriented = ImageOps.exif_transpose(im)
                rgba = _to_rgba(oriented)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as err:
        raise MediaError(
            f"Cannot load image {path}: it is too large to decode safely ({err}). "
            "Scale it down below 90 megapixels."
        ) from err
    except UnidentifiedImageError as err:
        raise MediaError(
            f"Cannot load image {path}: not a PNG, JPEG, WebP, BMP, TIFF or GIF picture. "
            "Convert it to PNG or JPEG."
        ) from err
    except (OSError, ValueError, SyntaxError) as err:
        raise MediaError(
            f"Cannot load image {path}: {err}; the file is damaged or incomplete. "
            "Export or copy it again."
        ) from err
    return np.ascontiguousarray(np.asarray(rgba, dtype=np.uint8))


def _to_rgba(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I;16") or im.mode == "I":
        # Pillow's direct conversion clips 16-bit greyscale instead of scaling it.
        grey = np.clip(np.asarray(im, dtype=np.int64), 0, 65535) >> 8
        return Image.fromarray(grey.astype(np.uint8)).convert("RGBA")
    return im.convert("RGBA")
