"""Preview proxies: small, quick-to-seek copies of big video sources, made in the background.

Seeking in a 1080p phone clip means decoding from the keyframe before the asked-for frame (up to a
second of full-size frames). A proxy is the same clip at 720 pixels on its short side, with a
keyframe every ``GOP`` frames and no B-frames, so a seek decodes a few small frames. Timestamps are
copied from the source, so a proxy frame is the source frame at the same time, smaller.

The preview draws a *draft* frame from proxies at once and, when the playhead rests, the frame
from the original files (see :mod:`capkit.gui.preview`); export never uses proxies. Proxies live
in ``<cache>/proxies/`` (``$CAPKIT_CACHE_DIR``), named after the source's path, size and time, so
an edited source gets a new one; they are written to a temporary name and renamed when complete.
Sources that are small already, rotated by metadata, or not readable get no proxy.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import os
import queue
import threading
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from capkit.model.project import Project

SHORT_SIDE = 720
GOP = 8
MIN_GAIN = 1.3  # a source must be this much bigger than a proxy to be worth one


def proxy_dir() -> Path:
    from capkit.userdirs import cache_dir

    return cache_dir() / "proxies"


def proxy_path(source: str | Path) -> Path:
    """Where the proxy of ``source`` goes (it changes when the file changes)."""
    p = Path(source).resolve()
    st = p.stat()
    digest = hashlib.sha256(f"{p}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "surrogateescape")).hexdigest()
    return proxy_dir() / f"{p.stem[:40]}-{digest[:16]}-{SHORT_SIDE}.mp4"


def proxy_size(width: int, height: int) -> tuple[int, int] | None:
    """The proxy's frame size for a source of ``width`` x ``height``; None: no proxy needed."""
    short = min(width, height)
    if short < SHORT_SIDE * MIN_GAIN:
        return None
    k = SHORT_SIDE / short
    return max(2, round(width * k / 2) * 2), max(2, round(height * k / 2) * 2)


def wants_proxy(path: str | Path) -> bool:
    from capkit.media.probe import probe

    try:
        info = probe(path)
    except Exception:
        return False
    v = info.video
    return info.kind == "video" and v is not None and v.rotation == 0 and proxy_size(v.width, v.height) is not None


def make_proxy(source: str | Path, out: str | Path, *, cancel: threading.Event | None = None) -> Path:
    """Write the proxy of ``source`` to ``out`` (complete or not at all)."""
    import av

    from capkit.io import atomic

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic.temp_beside(out, suffix=".part.mp4")
    try:
        with av.open(str(source)) as src, av.open(str(tmp), "w", format="mp4") as dst:
            stream = src.streams.video[0]
            stream.codec_context.thread_type = "AUTO"
            size = proxy_size(stream.codec_context.width, stream.codec_context.height)
            if size is None:
                raise ValueError(f"{source} is small enough to preview as it is")
            rate = stream.average_rate or Fraction(30)
            enc = dst.add_stream("libx264", rate=rate)
            enc.width, enc.height = size
            enc.pix_fmt = "yuv420p"
            enc.time_base = stream.time_base
            enc.codec_context.time_base = stream.time_base
            enc.options = {"preset": "ultrafast", "tune": "fastdecode", "crf": "23", "g": str(GOP),
                           "bf": "0", "keyint_min": str(GOP)}
            enc.codec_context.thread_type = "AUTO"
            for frame in src.decode(stream):
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("proxy cancelled")
                small = frame.reformat(width=size[0], height=size[1], format="yuv420p")
                small.pts, small.time_base = frame.pts, frame.time_base
                for packet in enc.encode(small):
                    dst.mux(packet)
            for packet in enc.encode():
                dst.mux(packet)
        atomic.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return out


def proxied(project: Project, proxies: dict[str, str]) -> Project:
    """A copy of ``project`` whose video clips read their proxies where one is ready."""
    copied = copy.deepcopy(project)
    for item in copied.items():
        src = getattr(item, "source", None)
        if src is not None and src.path in proxies:
            src.path = proxies[src.path]
    return copied


def video_sources(project: Project) -> set[str]:
    from capkit.model.items import VideoClip

    return {i.source.path for i in project.items() if isinstance(i, VideoClip) and i.source.path}


class ProxyMaker(QObject):
    """Makes proxies one at a time on a background thread; :attr:`ready` maps source -> proxy."""

    made = Signal(str)  # the source whose proxy is ready
    _done = Signal(str, str)  # from the worker thread: source, proxy

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.ready: dict[str, str] = {}
        self.failures: dict[str, str] = {}  # sources whose proxy could not be made, and why
        self._done.connect(self._finished)
        self._asked: set[str] = set()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def request(self, sources) -> None:
        """Make proxies for these sources (those already made or asked for are skipped)."""
        for source in sources:
            if source in self._asked or source.startswith("moviepy:"):
                continue
            self._asked.add(source)
            try:
                existing = proxy_path(source)
            except OSError:
                continue
            if existing.is_file():
                self.ready[source] = str(existing)
                self.made.emit(source)
                continue
            self._queue.put(source)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="capkit-proxies", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            source = self._queue.get()
            if source is None:
                return
            if not wants_proxy(source):
                continue
            try:
                out = make_proxy(source, proxy_path(source), cancel=self._stop)
            except Exception as err:  # no proxy: the preview reads the original, only slower
                self.failures[source] = f"{type(err).__name__}: {err}"
                continue
            self._done.emit(source, str(out))

    def _finished(self, source: str, proxy: str) -> None:
        self.ready[source] = proxy
        self.made.emit(source)

    def shutdown(self) -> None:
        self._stop.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(10)
