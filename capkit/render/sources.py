"""Pixels of the media a plan uses: open readers, loaded images, cached per render.

Each clip gets its own reader (two clips cut from one file play from two positions at once during a
transition, and a shared reader would seek back and forth). Readers of clips that have finished are
closed so a long project never holds many files open.
"""

from __future__ import annotations

from collections import OrderedDict
from fractions import Fraction

import numpy as np

from capkit.errors import MediaError
from capkit.model.items import ImageClip, Item, SourcedClip

MAX_OPEN = 6


class SourcePool:
    def __init__(self) -> None:
        self._readers: OrderedDict[str, object] = OrderedDict()
        self._images: dict[str, np.ndarray] = {}

    def video_frame(self, item: SourcedClip, source_t: Fraction) -> np.ndarray:
        reader = self._readers.get(item.id)
        if reader is None:
            reader = self._open(item)
        else:
            self._readers.move_to_end(item.id)
        duration = item.source.duration
        if duration is not None and source_t >= duration:
            source_t = duration  # the reader clamps to the last frame: transitions past the end hold it
        return reader.frame_at(max(Fraction(0), source_t))

    def _open(self, item: SourcedClip):
        from capkit.interop.sources import open_video

        reader = open_video(item.source.path)
        self._readers[item.id] = reader
        while len(self._readers) > MAX_OPEN:
            _, old = self._readers.popitem(last=False)
            old.close()
        return reader

    def image(self, item: ImageClip) -> np.ndarray:
        path = item.source.path
        img = self._images.get(path)
        if img is None:
            from capkit.media.image import load_image

            img = load_image(path)
            self._images[path] = img
        return img

    def release(self, keep: set[str]) -> None:
        """Close the readers of clips not in ``keep`` (clips that have left the screen)."""
        for item_id in [k for k in self._readers if k not in keep]:
            self._readers.pop(item_id).close()

    def close(self) -> None:
        for reader in self._readers.values():
            reader.close()
        self._readers.clear()
        self._images.clear()


def source_size(item: Item, pool: SourcePool) -> tuple[int, int] | None:
    """Display size of an item's media, before crop."""
    if isinstance(item, ImageClip):
        h, w = pool.image(item).shape[:2]
        return w, h
    return None


def missing(path: str) -> MediaError:
    return MediaError(f"media file not found: {path}; relink it or put it back")
