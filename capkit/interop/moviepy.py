"""MoviePy and capkit, both ways.

- Any MoviePy clip can be a source in a capkit project: :func:`add_moviepy_clip` (or
  :func:`moviepy_source` for a ``MediaRef``) registers it in this Python process under a
  ``moviepy:<key>`` path; the engine pulls its frames and sound through MoviePy, keeping recent
  frames so slow motion and transitions do not ask MoviePy twice for one frame. Such a source
  lives only as long as the process: saving a project that uses one is refused with a clear
  message (render the clip to a file first with :func:`freeze_moviepy_sources`).
- A capkit project can be handed to MoviePy code as a clip: :func:`to_moviepy` returns a
  ``VideoClip`` whose frames come from capkit's renderer and whose sound is capkit's mix.

MoviePy is an optional dependency (``pip install capkit[moviepy]``); it is imported only here.
"""

from __future__ import annotations

import itertools
from collections import OrderedDict
from fractions import Fraction
from pathlib import Path

import numpy as np

from capkit.errors import CapkitError, MediaError
from capkit.interop.sources import MOVIEPY_PREFIX
from capkit.model import MediaRef, Project, Transform, VideoClip

_CLIPS: dict[str, object] = {}
_COUNTER = itertools.count(1)


def moviepy_source(clip, name: str | None = None) -> MediaRef:
    """Register ``clip`` and return a MediaRef that capkit items can use as their source."""
    if getattr(clip, "duration", None) is None:
        raise MediaError("a MoviePy clip used in a project needs a duration: call clip.with_duration(...) first")
    key = f"{MOVIEPY_PREFIX}{name or 'clip'}-{next(_COUNTER)}"
    _CLIPS[key] = clip
    return MediaRef(key, None, Fraction(clip.duration).limit_denominator(1_000_000))


def add_moviepy_clip(project: Project, clip, *, start=None, fit: str = "fit", name: str | None = None) -> VideoClip:
    """Append a MoviePy clip to the main video track (or place it at ``start``) like any video file."""
    from capkit.api import _add, _main_track
    from capkit.model.project import overlap
    from capkit.model.time import to_time

    ref = moviepy_source(clip, name)
    main = _main_track(project)
    at = main.end if start is None else to_time(start)
    item = VideoClip(start=at, duration=ref.duration, source=ref, name=name or "MoviePy clip",
                     transform=Transform(fit=fit), muted=getattr(clip, "audio", None) is None)
    track = main if overlap(main, item.start, item.end) is None else None
    return _add(project, "video", item, track)


def _clip(path: str):
    try:
        return _CLIPS[path]
    except KeyError:
        raise MediaError(f"{path} was a MoviePy clip of another Python session; it is gone. "
                         "Render it to a file with capkit.interop.moviepy.freeze_moviepy_sources") from None


class MoviePyReader:
    """A VideoReader look-alike over a MoviePy clip."""

    def __init__(self, clip, keep: int = 8) -> None:
        self.clip = clip
        self._fps = Fraction(getattr(clip, "fps", None) or 30).limit_denominator(1001)
        self._cache: OrderedDict[int, np.ndarray] = OrderedDict()
        self._keep = keep

    def frame_at(self, t: Fraction) -> np.ndarray:
        # Snap to the clip's own frame grid so that repeated times hit the cache.
        n = int(t * self._fps)
        hit = self._cache.get(n)
        if hit is not None:
            self._cache.move_to_end(n)
            return hit
        last = max(0.0, float(self.clip.duration) - 1e-6)
        frame = np.asarray(self.clip.get_frame(min(float(Fraction(n) / self._fps), last)))
        if frame.dtype != np.uint8:
            frame = np.clip(frame, 0, 255).astype(np.uint8)
        if frame.ndim == 2:
            frame = np.repeat(frame[:, :, None], 3, axis=2)
        if getattr(self.clip, "mask", None) is not None:
            mask = np.asarray(self.clip.mask.get_frame(min(float(Fraction(n) / self._fps), last)))
            frame = np.dstack([frame[:, :, :3], np.clip(mask * 255, 0, 255).astype(np.uint8)])
        frame = np.ascontiguousarray(frame)
        self._cache[n] = frame
        while len(self._cache) > self._keep:
            self._cache.popitem(last=False)
        return frame

    def close(self) -> None:
        self._cache.clear()


class MoviePyAudioReader:
    """An AudioReader look-alike over a MoviePy clip's sound."""

    def __init__(self, audio, sample_rate: int, channels: int) -> None:
        self.audio, self.sample_rate, self.channels = audio, sample_rate, channels
        self.duration = Fraction(audio.duration).limit_denominator(1_000_000)

    def read(self, start: Fraction, n_samples: int) -> np.ndarray:
        t = float(start) + np.arange(n_samples) / self.sample_rate
        inside = (t >= 0) & (t < float(self.duration))
        out = np.zeros((self.channels, n_samples), np.float32)
        if inside.any():
            got = np.asarray(self.audio.get_frame(t[inside]), dtype=np.float32)
            got = got.reshape(len(got), -1).T
            if got.shape[0] == 1:
                got = np.repeat(got, self.channels, axis=0)
            out[:, inside] = got[: self.channels]
        return out

    def close(self) -> None:
        pass


def open_moviepy_source(path: str) -> MoviePyReader:
    return MoviePyReader(_clip(path))


def open_moviepy_audio(path: str, sample_rate: int, channels: int) -> MoviePyAudioReader | None:
    audio = getattr(_clip(path), "audio", None)
    return None if audio is None else MoviePyAudioReader(audio, sample_rate, channels)


def uses_moviepy(project: Project) -> list[str]:
    return sorted({i.source.path for i in project.items()
                   if getattr(i, "source", None) is not None and i.source.path.startswith(MOVIEPY_PREFIX)})


def freeze_moviepy_sources(project: Project, folder: str | Path) -> list[Path]:
    """Render every MoviePy source to an MP4 in ``folder`` and point the project at the files."""
    written = []
    folder = Path(folder)
    for key in uses_moviepy(project):
        clip = _clip(key)
        out = folder / f"{key.removeprefix(MOVIEPY_PREFIX)}.mp4"
        clip.write_videofile(str(out), fps=getattr(clip, "fps", None) or 30, codec="libx264",
                             audio_codec="aac", logger=None)
        for item in project.items():
            if getattr(item, "source", None) is not None and item.source.path == key:
                item.source.path = str(out.resolve())
        written.append(out)
    return written


def to_moviepy(project: Project, *, width: int | None = None, height: int | None = None):
    """The project as a MoviePy ``VideoClip`` (picture and sound rendered by capkit)."""
    try:
        from moviepy import AudioClip, VideoClip as MPVideoClip
    except ImportError:
        raise CapkitError("MoviePy is not installed: pip install 'capkit[moviepy]'") from None
    from capkit.render.audio_mix import mix_to_array
    from capkit.render.frames import FrameRenderer
    from capkit.render.plan import compile_plan

    plan = compile_plan(project, width=width, height=height)
    renderer = FrameRenderer(plan)
    fps = plan.fps
    sr = plan.project.settings.sample_rate

    def frame(t: float) -> np.ndarray:
        n = min(int(Fraction(t).limit_denominator(1_000_000) * fps), plan.frame_count - 1)
        return renderer.render(max(0, n))

    clip = MPVideoClip(frame, duration=float(plan.duration))
    clip.fps = float(fps)
    mix = mix_to_array(plan.project, start=plan.start, end=plan.end)  # (2, n) float32

    def sound(t):
        idx = np.clip((np.asarray(t) * sr).astype(np.int64), 0, mix.shape[1] - 1)
        return mix[:, idx].T

    audio = AudioClip(sound, duration=float(plan.duration), fps=sr)
    audio.nchannels = 2
    return clip.with_audio(audio)
