"""Where the subject is: faces first, then motion, then what stands out.

:func:`analyse` reads a video at a reduced size and rate (by default 8 pictures a second, 320
pixels wide) and, for each sampled picture, finds the subject's horizontal position:

- **faces** with the frontal-face Haar cascade (:mod:`capkit.reframe.haar`). The main subject is
  the largest face, followed from picture to picture by nearness (another face takes over only
  when it is clearly larger); the detector searches only
  around it between full scans (one a second, and whenever it is lost; every other sample while
  there is none), which is what makes the analysis fast. Short gaps (a blink of the detector, a turned head) are bridged.
- **motion** where no face is tracked: the centroid of what changed since the last sample.
- **saliency** where nothing moves: the centroid of the spectral-residual saliency map
  (Hou and Zhang, 2007), which picks out what differs from the picture's own statistics.

The positions become a camera path (:mod:`capkit.reframe.path`) held in a :class:`ReframePath`,
which :mod:`capkit.reframe.apply` turns into keyframes.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from capkit.errors import CapkitError
from capkit.progress import CancelToken, Progress, ProgressFn
from capkit.reframe.haar import Box, FaceDetector
from capkit.reframe.path import simplify, smooth_path

# Bridged without falling back to motion: a face lost for less than this is still there.
FACE_GAP_SECONDS = 1.0
# A full-picture face scan at least this often, to notice a new or bigger face.
FULL_SCAN_SECONDS = 1.0
# Another face takes over as the subject when it is this many times larger than the followed one.
SWITCH_AREA = 1.5
# Share of the analysed picture that must change for motion to count.
MOTION_MIN_AREA = 0.002
MOTION_THRESHOLD = 14  # grey levels, after a blur


@dataclass
class ReframePath:
    """The camera path of one analysed video: where the crop's centre is, when.

    ``times`` are source seconds (from the media's first frame); ``subject`` and ``centre`` are
    fractions of the source width: the subject found at each sample and the smoothed crop centre.
    ``kinds`` says what each sample's subject came from: face, motion, saliency or none.
    """

    aspect: tuple[int, int]
    source_size: tuple[int, int]
    crop_width: float  # the crop's width as a fraction of the source width
    rate: float  # samples per second
    times: list[float]
    subject: list[float]
    centre: list[float]
    kinds: list[str]
    detector: str = "opencv"
    analysed_frames: int = 0
    source_frames: int = 0
    seconds: float = 0.0  # wall time of the analysis
    stats: dict[str, int] = field(default_factory=dict)

    def centre_at(self, t: float) -> float:
        """The crop centre at source time ``t`` (linear between samples, held at the ends)."""
        return float(np.interp(t, self.times, self.centre))

    def points(self, tolerance: float = 0.002) -> list[tuple[float, float]]:
        """The fewest (time, centre) points whose straight lines stay within ``tolerance``
        (a fraction of the source width) of the path."""
        t, c = np.asarray(self.times), np.asarray(self.centre)
        if len(c) and float(c.max() - c.min()) <= tolerance:
            mean = float(c.mean())  # a still camera: one value, no drift from rounding
            return [(float(t[0]), mean)] if len(t) == 1 else [(float(t[0]), mean), (float(t[-1]), mean)]
        return [(float(t[i]), float(c[i])) for i in simplify(t, c, tolerance)]

    @property
    def max_step(self) -> float:
        """The largest change of the crop centre between two samples (fraction of the width)."""
        return float(np.abs(np.diff(self.centre)).max()) if len(self.centre) > 1 else 0.0


def parse_aspect(text: str | tuple[int, int]) -> tuple[int, int]:
    """``"9:16"`` (or ``"9x16"``, ``"9/16"``, ``(9, 16)``) as a (width, height) pair."""
    if isinstance(text, tuple):
        parts = text
    else:
        cleaned = str(text).strip().lower().replace("x", ":").replace("/", ":")
        try:
            parts = tuple(int(p) for p in cleaned.split(":"))
        except ValueError:
            parts = ()
    if len(parts) != 2 or min(parts) <= 0 or max(parts) / min(parts) > 4:
        raise CapkitError(f"aspect {text!r} is not WIDTH:HEIGHT such as 9:16, 1:1 or 4:5")
    g = math.gcd(*parts)
    return parts[0] // g, parts[1] // g


def crop_width(aspect: tuple[int, int], source_size: tuple[int, int]) -> float:
    """Width of the largest crop of ``aspect`` in the source, as a fraction of its width."""
    w, h = source_size
    return min(1.0, h * aspect[0] / aspect[1] / w)


def analyse(path: str | Path, aspect: str | tuple[int, int] = (9, 16), *, start: float = 0.0,
            end: float | None = None, rate: float = 8.0, width: int = 320, min_face: float = 0.16,
            max_speed: float = 0.5, smoothing: float = 0.5, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> ReframePath:
    """Find the subject of the video at ``path`` between source seconds ``start`` and ``end`` and
    plan a crop of ``aspect`` that follows it.

    ``rate`` is how many pictures a second are analysed, ``width`` their width in pixels;
    faces smaller than ``min_face`` of the picture's height are not looked for (the smaller, the
    slower the search).
    ``max_speed`` caps how fast the crop moves (fractions of the source width per second: 0.5
    crosses the picture in two seconds), ``smoothing`` is the low-pass's sigma in seconds.
    Raises :class:`~capkit.errors.MediaError` for a file without pictures.
    """
    from capkit.media.video import VideoReader

    aspect = parse_aspect(aspect)
    if not 0 < rate <= 120 or not 0 < min_face <= 1 or max_speed <= 0:
        raise CapkitError(f"reframe: rate {rate:g}, min_face {min_face:g} or max_speed {max_speed:g} is out of range")
    started = time.perf_counter()
    with VideoReader(path) as full_size:  # MediaError for a file without pictures
        info = full_size.info
    v = info.video
    src_w, src_h = v.display_width, v.display_height
    aw = max(32, min(int(width), src_w)) // 2 * 2
    ah = max(24, round(src_h * aw / src_w)) // 2 * 2
    duration = float(info.duration or 0)
    end = duration if end is None else min(float(end), duration)
    start = max(0.0, float(start))
    if end <= start:
        raise CapkitError(f"{path}: nothing to analyse between {start:g}s and {end:g}s")
    n = max(2, math.floor((end - start) * rate) + 1)
    times = [min(start + i / rate, end) for i in range(n)]
    detector = FaceDetector(scale_factor=1.2, min_neighbors=2, min_size=max(24, round(ah * min_face)))
    finder = _SubjectFinder(detector, (aw, ah), rate)
    with VideoReader(path, size=(aw, ah)) as reader:
        for i, t in enumerate(times):
            if cancel is not None:
                cancel.check()
            finder.add(reader.frame_at(Fraction(t).limit_denominator(1_000_000)))
            if progress is not None:
                progress(Progress(i + 1, n, time.perf_counter() - started, stage="reframe"))
    subject, kinds = finder.positions()
    crop = crop_width(aspect, (src_w, src_h))
    half = crop / 2
    centre = smooth_path(np.array(subject), rate, lo=half, hi=1 - half, dead_band=0.1 * crop,
                         max_speed=max_speed, smoothing=smoothing)
    fps = float(v.fps) if v.fps else rate
    return ReframePath(
        aspect=aspect, source_size=(src_w, src_h), crop_width=crop, rate=rate, times=times,
        subject=[float(s) for s in subject], centre=[float(c) for c in centre], kinds=kinds,
        detector=detector.backend, analysed_frames=n, source_frames=round((end - start) * fps),
        seconds=time.perf_counter() - started, stats={k: kinds.count(k) for k in sorted(set(kinds))},
    )


class _SubjectFinder:
    """Per-sample subject candidates (face, motion, saliency), then one position per sample."""

    def __init__(self, detector: FaceDetector, size: tuple[int, int], rate: float) -> None:
        self.detector = detector
        self.width, self.height = size
        self.rate = rate
        self.faces: list[float | None] = []
        self.motion: list[float | None] = []
        self.salient: list[float] = []
        self._tracked: Box | None = None
        self._since_full = math.inf
        self._previous: np.ndarray | None = None

    def add(self, rgb: np.ndarray) -> None:
        grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        box = self._face(grey)
        self.faces.append(None if box is None else (box[0] + box[2] / 2) / self.width)
        soft = cv2.GaussianBlur(grey, (0, 0), 1.5)
        self.motion.append(None if self._previous is None else _motion_centre(self._previous, soft))
        self._previous = soft
        self.salient.append(_saliency_centre(grey))

    def _face(self, grey: np.ndarray) -> Box | None:
        tracked = self._tracked
        if tracked is not None and self._since_full < FULL_SCAN_SECONDS * self.rate:
            self._since_full += 1
            x, y, w, h = tracked
            x0, y0 = max(0, x - w), max(0, y - round(0.75 * h))
            x1, y1 = min(self.width, x + 2 * w), min(self.height, y + h + round(0.75 * h))
            found = self.detector.detect(grey[y0:y1, x0:x1], min_size=round(0.7 * w), max_size=round(1.45 * w))
            if found:
                best = min(found, key=lambda b: abs(b[0] + b[2] / 2 - (x - x0 + w / 2)))
                self._tracked = (best[0] + x0, best[1] + y0, best[2], best[3])
                return self._tracked
        if tracked is None and self._since_full == 0:
            # Nothing was found a moment ago: look again on the next sample, not this one
            # (footage without faces would otherwise pay for a full scan of every sample).
            self._since_full = 1
            return None
        self._since_full = 0
        found = self.detector.detect(grey)
        if not found:
            self._tracked = None
            return None
        # The main subject is the largest face; the one followed so far stays the subject unless
        # another is much larger, so two similar faces do not make the camera swing between them.
        biggest = max(found, key=_area)
        if tracked is not None:
            near = [b for b in found if abs(b[0] + b[2] / 2 - tracked[0] - tracked[2] / 2) < 1.5 * tracked[2]]
            if near and _area(biggest) < SWITCH_AREA * _area(max(near, key=_area)):
                biggest = max(near, key=_area)
        self._tracked = biggest
        return biggest

    def positions(self) -> tuple[list[float], list[str]]:
        n = len(self.faces)
        subject: list[float | None] = [None] * n
        kinds = ["none"] * n
        known = [i for i, f in enumerate(self.faces) if f is not None]
        for i in known:
            subject[i], kinds[i] = self.faces[i], "face"
        gap = FACE_GAP_SECONDS * self.rate
        for a, b in itertools.pairwise(known):
            if 1 < b - a <= gap:  # a short loss of the face: bridge it
                for i in range(a + 1, b):
                    u = (i - a) / (b - a)
                    subject[i] = self.faces[a] + (self.faces[b] - self.faces[a]) * u
                    kinds[i] = "face"
        for i in range(n):
            if subject[i] is None:
                if self.motion[i] is not None:
                    subject[i], kinds[i] = self.motion[i], "motion"
                elif i == 0 and n > 1 and self.motion[1] is not None:
                    subject[i], kinds[i] = self.motion[1], "motion"  # the first sample has no "before"
                else:
                    subject[i], kinds[i] = self.salient[i], "saliency"
        return [float(s) for s in subject], kinds


def _area(box: Box) -> int:
    return box[2] * box[3]


def _motion_centre(before: np.ndarray, after: np.ndarray) -> float | None:
    """Horizontal centroid of the change between two blurred grey pictures, or None if too little moved."""
    diff = cv2.absdiff(before, after)
    mask = diff > MOTION_THRESHOLD
    if mask.mean() < MOTION_MIN_AREA:
        return None
    columns = np.where(mask, diff, 0).sum(axis=0, dtype=np.float64)
    return float((columns * (np.arange(len(columns)) + 0.5)).sum() / columns.sum() / len(columns))


def _saliency_centre(grey: np.ndarray) -> float:
    """Horizontal centroid of the spectral-residual saliency map: the log spectrum less its local
    mean is what the picture has that a typical picture does not; back in space, it lights up
    objects that stand out from their surroundings."""
    h, w = grey.shape
    small = cv2.resize(grey, (64, max(8, round(64 * h / w))), interpolation=cv2.INTER_AREA).astype(np.float32)
    spectrum = np.fft.fft2(small)
    log_amp = np.log(np.abs(spectrum) + 1e-6)
    residual = log_amp - cv2.blur(log_amp, (3, 3))
    saliency = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spectrum)))) ** 2
    saliency = cv2.GaussianBlur(saliency.astype(np.float32), (0, 0), 2.5)
    strong = np.where(saliency >= np.percentile(saliency, 90), saliency, 0).sum(axis=0, dtype=np.float64)
    if strong.sum() <= 0:
        return 0.5
    return float((strong * (np.arange(len(strong)) + 0.5)).sum() / strong.sum() / len(strong))
