"""Timeline geometry without Qt: where a time is drawn, which time a pixel means, snapping.

Times are exact ``Fraction`` seconds; pixels are floats. A time read back from a pixel lands on a
frame start of the project, so a drag never makes a cut between frames.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from capkit.model.project import Project
from capkit.model.time import snap_to_frame

RULER_HEIGHT = 26
ROW_HEIGHT = 48
HANDLE_PIXELS = 7  # how close to a clip edge a press grabs the trim handle
SNAP_PIXELS = 8  # how close a dragged edge must come to a snap point to stick to it
MIN_ZOOM, MAX_ZOOM = 2.0, 2000.0  # pixels per second


@dataclass(frozen=True)
class TimeScale:
    """``pixels_per_second`` and the project's frame rate."""

    pixels_per_second: float
    fps: Fraction

    def x_of(self, t: Fraction) -> float:
        return float(t) * self.pixels_per_second

    def time_at(self, x: float) -> Fraction:
        """The frame start nearest to pixel ``x`` (never before 0)."""
        t = Fraction(max(0.0, x) / self.pixels_per_second).limit_denominator(1_000_000)
        return snap_to_frame(t, self.fps)

    def span(self, pixels: float) -> Fraction:
        """How much time ``pixels`` cover (for snap distances)."""
        return Fraction(pixels / self.pixels_per_second).limit_denominator(1_000_000)

    def zoomed(self, factor: float) -> TimeScale:
        pps = min(MAX_ZOOM, max(MIN_ZOOM, self.pixels_per_second * factor))
        return TimeScale(pps, self.fps)


def row_of(track_index: int, track_count: int) -> int:
    """Row on screen (0 at the top) of ``project.tracks[track_index]``: the top track is drawn first."""
    return track_count - 1 - track_index


def row_top(row: int) -> float:
    return RULER_HEIGHT + row * ROW_HEIGHT


def row_at(y: float, track_count: int) -> int | None:
    """The row under scene y, or None above the first and below the last."""
    if y < RULER_HEIGHT:
        return None
    row = int((y - RULER_HEIGHT) // ROW_HEIGHT)
    return row if 0 <= row < track_count else None


def snap_points(project: Project, playhead: Fraction, ignore: Iterable[str] = ()) -> list[Fraction]:
    """Where dragged edges stick: 0, the playhead, markers and the edges of the other items."""
    skip = set(ignore)
    points = {Fraction(0), playhead}
    points.update(m.time for m in project.markers)
    for item in project.items():
        if item.id not in skip:
            points.add(item.start)
            points.add(item.end)
    return sorted(points)


def snap_time(t: Fraction, points: Iterable[Fraction], tolerance: Fraction) -> Fraction:
    """``t`` moved onto the nearest point within ``tolerance``, else unchanged."""
    best = min(points, key=lambda p: abs(p - t), default=None)
    return best if best is not None and abs(best - t) <= tolerance else t


def snap_move(start: Fraction, duration: Fraction, points: Iterable[Fraction], tolerance: Fraction) -> Fraction:
    """The start for an item dragged to ``start``: whichever of its edges is nearer a snap point sticks."""
    best: Fraction | None = None
    for p in points:
        for delta in (p - start, p - (start + duration)):
            if abs(delta) <= tolerance and (best is None or abs(delta) < abs(best)):
                best = delta
    return max(Fraction(0), start + (best or 0))


def ruler_step(pixels_per_second: float, fps: Fraction, min_gap: float = 80.0) -> Fraction:
    """Seconds between labelled ruler ticks: the smallest 'nice' step at least ``min_gap`` pixels wide."""
    frame = 1 / Fraction(fps)
    nice = [frame, 2 * frame, 5 * frame, 10 * frame] + [Fraction(s) for s in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600)]
    for step in nice:
        if float(step) * pixels_per_second >= min_gap:
            return step
    return Fraction(math.ceil(min_gap / pixels_per_second / 600) * 600)
