"""Pictures and sound shapes for the timeline's clips, made in the background and kept.

- **Thumbnails**: frames of a video source at row height, cached per (source, time, height).
  Times are put on a power-of-two grid of the source time one thumbnail covers, so zooming in
  by two keeps half the thumbnails and zooming out needs none new; until a frame is made the
  nearest one already made for that source is drawn. Still images are read once.
- **Peaks**: a source's loudest sample per 1/``PEAKS_PER_SECOND`` s, computed once per source
  with :class:`capkit.media.audio.AudioReader` (mono, at ``PEAK_RATE``).

Painting only ever looks things up (:meth:`MediaCache.thumbnail`, :meth:`MediaCache.peaks`); a
miss is noted and the decoding starts from a zero-length timer on the global thread pool, one job
per source at a time, in batches so what is visible now arrives soon. ``updated`` fires when
something new is ready; the view repaints.
"""

from __future__ import annotations

import bisect
import math
from collections import OrderedDict
from fractions import Fraction

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QImage

from capkit.gui.background import run_job
from capkit.media.audio import AudioReader
from capkit.media.video import VideoReader

PEAKS_PER_SECOND = 100
PEAK_RATE = 16000  # samples per second the peaks are measured at (mono)
BATCH = 12  # thumbnails decoded by one job
MAX_THUMBNAILS = 3000  # least recently used ones go first
MIN_STEP = Fraction(1, 16)  # finest grid of thumbnail times, seconds


def time_step(seconds_per_thumbnail: float) -> Fraction:
    """The grid thumbnail times sit on: the power of two (seconds) at or below what one covers."""
    if seconds_per_thumbnail <= float(MIN_STEP):
        return MIN_STEP
    return Fraction(2) ** math.floor(math.log2(seconds_per_thumbnail))


def grid_time(t: Fraction, step: Fraction) -> Fraction:
    return Fraction(math.floor(t / step)) * step


def decode_thumbnails(path: str, times: list[Fraction], height: int) -> dict[Fraction, QImage]:
    """Frames of ``path`` at ``times``, ``height`` pixels high (off the GUI thread)."""
    from capkit.media.probe import probe

    info = probe(path)
    out: dict[Fraction, QImage] = {}
    if info.kind == "image":
        from capkit.media.image import load_image

        rgba = np.ascontiguousarray(load_image(path))
        h, w = rgba.shape[:2]
        image = QImage(rgba.data, w, h, 4 * w, QImage.Format.Format_RGBA8888).copy()
        image = image.scaledToHeight(height, Qt.TransformationMode.SmoothTransformation)
        return {t: image for t in times}
    v = info.video
    width = max(2, round(height * v.display_width / v.display_height))
    with VideoReader(path, size=(width, height)) as reader:
        for t in sorted(times):
            rgb = np.ascontiguousarray(reader.frame_at(t))
            out[t] = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return out


def compute_peaks(path: str, per_second: int = PEAKS_PER_SECOND, rate: int = PEAK_RATE) -> np.ndarray:
    """The loudest absolute sample of each 1/``per_second`` s of ``path``'s sound (float32, 0..1)."""
    hop = rate // per_second
    block = hop * per_second * 10  # ten seconds a read
    pieces = []
    with AudioReader(path, sample_rate=rate, channels=1) as reader:
        position = 0
        while True:
            samples = reader.read(Fraction(position, rate), block)[0]
            end = reader.end_sample
            if end is not None and end < position + block:
                samples = samples[: max(0, end - position)]
            n = math.ceil(len(samples) / hop)
            if n:
                padded = np.zeros(n * hop, np.float32)
                padded[: len(samples)] = np.abs(samples)
                pieces.append(padded.reshape(n, hop).max(axis=1))
            position += block
            if end is not None and end <= position:
                break
    return np.minimum(np.concatenate(pieces) if pieces else np.zeros(0, np.float32), 1.0).astype(np.float32)


def column_peaks(peaks: np.ndarray, starts: np.ndarray, ends: np.ndarray, per_second: int = PEAKS_PER_SECOND) -> np.ndarray:
    """The loudest peak in each source span [starts[i], ends[i]) seconds (0 outside the sound)."""
    n = len(peaks)
    if n == 0 or len(starts) == 0:
        return np.zeros(len(starts), np.float32)
    lo = np.clip(np.floor(starts * per_second).astype(np.int64), 0, n)
    hi = np.clip(np.ceil(ends * per_second).astype(np.int64), 0, n)
    hi = np.maximum(hi, np.minimum(lo + 1, n))
    # max over each [lo, hi): a running maximum via reduceat on the index pairs
    padded = np.append(peaks, np.float32(0))
    idx = np.empty(2 * len(lo), np.int64)
    idx[0::2], idx[1::2] = lo, hi
    out = np.maximum.reduceat(padded, idx)[0::2]
    out[lo >= hi] = 0
    return out


class MediaCache(QObject):
    """Thumbnails and peaks of the project's sources (see the module's doc)."""

    updated = Signal()

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._thumbs: OrderedDict[tuple[str, int, Fraction], QImage] = OrderedDict()
        self._times: dict[tuple[str, int], list[Fraction]] = {}  # sorted times made, per (path, height)
        self._wanted: dict[tuple[str, int], dict[Fraction, None]] = {}  # in the order asked
        self._widths: dict[tuple[str, int], int] = {}
        self._thumb_jobs: set[tuple[str, int]] = set()
        self._inflight: dict[tuple[str, int], set[Fraction]] = {}  # times being decoded
        self._peaks: dict[str, np.ndarray | None] = {}  # None: no sound / unreadable
        self._peak_jobs: set[str] = set()
        self._peak_wanted: set[str] = set()
        self.failed: dict[str, str] = {}  # path -> why it has no pictures or sound
        self.proxies: dict[str, str] = {}  # source -> proxy path, decoded instead when there is one
        self._kick = QTimer(self)
        self._kick.setSingleShot(True)
        self._kick.setInterval(0)
        self._kick.timeout.connect(self._start_jobs)

    @property
    def busy(self) -> bool:
        return bool(self._thumb_jobs or self._peak_jobs or self._kick.isActive()
                    or any(self._wanted.values()) or self._peak_wanted)

    # --- thumbnails ---------------------------------------------------------------------------

    def thumbnail(self, path: str, t: Fraction, height: int) -> QImage | None:
        """The frame of ``path`` at ``t`` if made, else the nearest made one (and ``t`` is asked
        for); None when nothing of that source is made yet."""
        key = (path, height, t)
        image = self._thumbs.get(key)
        if image is not None:
            self._thumbs.move_to_end(key)
            return image
        if path not in self.failed and t not in self._inflight.get((path, height), ()):
            wanted = self._wanted.setdefault((path, height), {})
            wanted.pop(t, None)
            wanted[t] = None  # the latest asked for come first: what is on screen now
            self._kick.start()
        times = self._times.get((path, height))
        if not times:
            return None
        i = bisect.bisect_left(times, t)
        near = min((times[j] for j in (i - 1, i) if 0 <= j < len(times)), key=lambda s: abs(s - t))
        return self._thumbs.get((path, height, near))

    def thumb_width(self, path: str, height: int, default: int) -> int:
        """How wide the thumbnails of ``path`` are at ``height`` (``default`` until one is made)."""
        return self._widths.get((path, height), default)

    def has_thumbnail(self, path: str, t: Fraction, height: int) -> bool:
        return (path, height, t) in self._thumbs

    # --- peaks --------------------------------------------------------------------------------

    def peaks(self, path: str) -> np.ndarray | None:
        """The source's peaks once computed (asked for when not); None until then or without sound."""
        if path in self._peaks:
            return self._peaks[path]
        if path not in self.failed and path not in self._peak_jobs:
            self._peak_wanted.add(path)
            self._kick.start()
        return None

    def drop_wanted(self) -> None:
        """Forget thumbnails asked for and not started (after a zoom: painting asks again for
        what is still on screen)."""
        self._wanted.clear()

    def forget(self, path: str) -> None:
        """Drop what failed for ``path`` (it was relinked or came back) so it is tried again."""
        self.failed.pop(path, None)
        self._peaks.pop(path, None)

    # --- jobs ---------------------------------------------------------------------------------

    def _start_jobs(self) -> None:
        for path in list(self._peak_wanted):
            self._peak_wanted.discard(path)
            if path in self._peaks or path in self._peak_jobs:
                continue
            self._peak_jobs.add(path)
            run_job(lambda s=path: compute_peaks(s), self,
                    lambda peaks, p=path: self._peaks_done(p, peaks),
                    lambda message, p=path: self._peaks_failed(p, message))
        for key, times in list(self._wanted.items()):
            if not times or key in self._thumb_jobs:
                continue
            path, height = key
            batch = sorted(list(times)[-BATCH:])
            for t in batch:
                del times[t]
            self._thumb_jobs.add(key)
            self._inflight[key] = set(batch)
            source = self.proxies.get(path, path)
            run_job(lambda s=source, b=batch, h=height: decode_thumbnails(s, b, h), self,
                    lambda images, k=key: self._thumbs_done(k, images),
                    lambda message, k=key: self._thumbs_failed(k, message))

    def _thumbs_done(self, key: tuple[str, int], images: dict) -> None:
        self._thumb_jobs.discard(key)
        self._inflight.pop(key, None)
        path, height = key
        times = self._times.setdefault(key, [])
        for t, image in images.items():
            self._widths[key] = image.width()
            if (path, height, t) not in self._thumbs:
                bisect.insort(times, t)
            self._thumbs[(path, height, t)] = image
        while len(self._thumbs) > MAX_THUMBNAILS:
            (p, h, t), _ = self._thumbs.popitem(last=False)
            made = self._times.get((p, h), [])
            i = bisect.bisect_left(made, t)
            if i < len(made) and made[i] == t:
                made.pop(i)
        self._start_jobs()
        self.updated.emit()

    def _thumbs_failed(self, key: tuple[str, int], message: str) -> None:
        self._thumb_jobs.discard(key)
        self._inflight.pop(key, None)
        self.failed[key[0]] = message
        self._wanted.pop(key, None)
        self._start_jobs()
        self.updated.emit()

    def _peaks_done(self, path: str, peaks) -> None:
        self._peak_jobs.discard(path)
        self._peaks[path] = peaks
        self.updated.emit()

    def _peaks_failed(self, path: str, message: str) -> None:
        self._peak_jobs.discard(path)
        self._peaks[path] = None  # no sound (a video without it), or unreadable: nothing to draw
        self.updated.emit()
