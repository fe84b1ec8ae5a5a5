"""Speech to timed words with faster-whisper, offline.

Times are exact :class:`fractions.Fraction` seconds from the start of the media, rounded to the
millisecond (Whisper's own resolution is 20 ms, faster-whisper reports 10 ms), so they convert to
frames or ticks without float drift, like every other time in capkit.

Whisper's word times (cross-attention alignment) are often 0.1-0.5 s off at the edges of speech
that follows a pause, especially with small models. They are refined against the audio's energy
(like stable-ts's silence suppression): voiced regions are runs of 10 ms frames louder than
-35 dB below the loud level of the file, gaps under 120 ms filled. A word that starts in silence
starts at the next voiced region; a word that starts inside a voiced region which began after the
previous word ended (within 0.5 s) starts where that region begins; a word that ends in silence
ends where its last voiced region ends; a word lying wholly in silence (within 0.3 s of a
voiced region not yet used by the previous word) is moved onto that region. Pass ``refine=False`` to keep Whisper's raw times.

Long media is streamed: the sound is decoded in windows (``window=``, 5 minutes by default), each
cut at the quietest 10 ms frame of its last few seconds so no word is split, and each window is
transcribed on its own with its times shifted by the window's offset. Memory stays at about one
window whatever the length. The language is detected once, on the first window with speech, and
kept for the rest. A file shorter than one window is read and transcribed exactly as a whole.

Words are guaranteed monotonic and inside the media: each word is clamped to ``[0, duration]``;
a word that starts before the previous word ends (Whisper's alignment occasionally overlaps
neighbours by a few tens of ms) starts where the previous one ends; a word whose end would fall
before its start is given zero length. Segment bounds are then set to span their words.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

import numpy as np

from capkit.captions.models import CaptionError, resolve_model
from capkit.errors import Cancelled
from capkit.model.captions import Word
from capkit.progress import CancelToken, Progress

__all__ = [
    "SAMPLE_RATE",
    "WINDOW_SECONDS",
    "Segment",
    "Transcript",
    "Word",
    "audio_windows",
    "load_model",
    "transcribe",
    "voiced_regions",
]

SAMPLE_RATE = 16000
WINDOW_SECONDS = 300.0  # how much sound is decoded and transcribed at a time
_CUT_SEARCH = 3.0  # seconds at the end of a window searched for a quiet place to cut
Task = Literal["transcribe", "translate"]


def _sec(x: float) -> Fraction:
    """Float seconds to an exact Fraction, rounded to the millisecond."""
    return Fraction(round(float(x) * 1000), 1000)


@dataclass(frozen=True)
class Segment:
    text: str
    start: Fraction  # seconds
    end: Fraction  # seconds
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Transcript:
    segments: tuple[Segment, ...]
    language: str  # ISO 639-1 code, detected or as given
    language_probability: (
        float  # 1.0 when the language was given or the model is English-only
    )
    duration: Fraction  # seconds of audio in the media
    task: str = "transcribe"
    model: str = ""
    extra: dict[str, object] = field(default_factory=dict, compare=False)

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


# --- model loading (cached per folder/device) --------------------------------------------------

_models: dict[tuple[str, str, str], object] = {}
_models_lock = threading.Lock()


def _default_device() -> str:
    return os.environ.get("CAPKIT_WHISPER_DEVICE", "auto")


def load_model(
    model: str | os.PathLike[str] = "tiny.en",
    *,
    device: str | None = None,
    compute_type: str = "int8",
):
    """A cached ``faster_whisper.WhisperModel`` for a model name or folder."""
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise CaptionError("speech recognition is not installed: pip install 'capkit[captions]'") from None

    folder = resolve_model(model)
    device = device or _default_device()
    key = (str(folder), device, compute_type)
    with _models_lock:
        m = _models.get(key)
        if m is None:
            threads = int(os.environ.get("CAPKIT_WHISPER_THREADS", "0"))
            try:
                m = WhisperModel(
                    str(folder),
                    device=device,
                    compute_type=compute_type,
                    cpu_threads=threads,
                )
            except (RuntimeError, ValueError) as exc:
                raise CaptionError(
                    f"could not load the whisper model in {folder}: {exc}"
                ) from exc
            _models[key] = m
        return m


# --- transcription ----------------------------------------------------------------------------


def _quiet_cut(audio: np.ndarray, search: int) -> int:
    """Index in ``audio`` at the quietest place of its last ``search`` samples.

    Frame energies (10 ms) are smoothed over 50 ms so that a short dip inside a word (a stop
    consonant's closure) loses to a real pause; the cut goes at the quietest frame of the
    quietest stretch. Ties go to the latest place, which keeps windows long.
    """
    n = min(search, len(audio)) // _FRAME
    if n < 1:
        return len(audio)
    base = len(audio) - n * _FRAME
    frames = audio[base:].astype(np.float64).reshape(n, _FRAME)
    energy = np.mean(frames * frames, axis=1)
    k = min(5, n)
    smooth = np.convolve(energy, np.ones(k) / k, mode="same")
    best = n - 1 - int(np.argmin(smooth[::-1]))
    lo, hi = max(0, best - k // 2), min(n, best + k // 2 + 1)
    quietest = lo + (hi - lo - 1) - int(np.argmin(energy[lo:hi][::-1]))
    return base + quietest * _FRAME + _FRAME // 2


def audio_windows(
    media_path: str | os.PathLike[str],
    *,
    window: float = WINDOW_SECONDS,
    search: float = _CUT_SEARCH,
) -> Iterator[tuple[int, np.ndarray]]:
    """The sound of a file as 16 kHz mono float32 pieces ``(offset in samples, samples)``.

    Pieces follow each other without gap or overlap and cover the whole sound. Each is at most
    ``window`` seconds and, except the last, ends at the quietest place of its last ``search``
    seconds (at most a quarter of the window). Decoding is incremental (:class:`AudioReader`),
    so only about one window is in memory at a time.
    """
    from capkit.media.audio import AudioReader

    if window <= 0:
        raise CaptionError(f"window must be positive, got {window}")
    with AudioReader(media_path, sample_rate=SAMPLE_RATE, channels=1) as reader:
        yield from _windows(reader, window, search)


def _windows(reader, window: float, search: float) -> Iterator[tuple[int, np.ndarray]]:
    size = max(_FRAME, round(window * SAMPLE_RATE))
    search_n = max(_FRAME, min(round(search * SAMPLE_RATE), size // 4))
    position = 0
    while True:
        piece = reader.read(Fraction(position, SAMPLE_RATE), size)[0]
        end = reader.end_sample
        if end is not None and end <= position + size:
            piece = piece[: max(end - position, 0)]
            if len(piece) or position == 0:
                yield position, np.ascontiguousarray(piece, dtype=np.float32)
            return
        cut = _quiet_cut(piece, search_n)
        yield position, np.ascontiguousarray(piece[:cut], dtype=np.float32)
        del piece
        position += cut


_FRAME = 160  # 10 ms at 16 kHz


def voiced_regions(
    audio: np.ndarray,
    *,
    rel_db: float = -35.0,
    min_gap: float = 0.12,
    min_len: float = 0.03,
) -> list[tuple[Fraction, Fraction]]:
    """Voiced (loud enough) regions of 16 kHz mono audio as (start, end) Fraction seconds."""
    n = len(audio) // _FRAME
    if n == 0:
        return []
    frames = audio[: n * _FRAME].astype(np.float64).reshape(n, _FRAME)
    rms = np.sqrt(np.mean(frames * frames, axis=1))
    loud = float(np.percentile(rms, 95))
    if loud <= 1e-6:
        return []
    floor = float(np.percentile(rms, 10))
    threshold = max(loud * 10 ** (rel_db / 20), floor * 2.0, 1e-5)
    on = rms > threshold
    regions: list[list[int]] = []
    idx = np.flatnonzero(np.diff(np.concatenate(([0], on.astype(np.int8), [0]))))
    for a, b in zip(idx[::2], idx[1::2]):
        if regions and (a - regions[-1][1]) * _FRAME < min_gap * SAMPLE_RATE:
            regions[-1][1] = int(b)
        else:
            regions.append([int(a), int(b)])
    return [
        (Fraction(a * _FRAME, SAMPLE_RATE), Fraction(b * _FRAME, SAMPLE_RATE))
        for a, b in regions
        if (b - a) * _FRAME >= min_len * SAMPLE_RATE
    ]


def _refine(
    raw: list[tuple[str, float, float, float]],
    regions: list[tuple[Fraction, Fraction]],
    prev_end: Fraction,
    max_back: Fraction = Fraction(1, 2),
) -> list[tuple[str, Fraction, Fraction, float]]:
    out = []
    for text, start, end, prob in raw:
        s, e = _sec(start), _sec(end)
        overlapping = [
            r for r in regions if r[1] > s and r[0] < max(e, s + Fraction(1, 100))
        ]
        if overlapping:
            first, last = overlapping[0], overlapping[-1]
            if s < first[0] and first[0] < max(e, s + Fraction(1, 100)):
                s = first[0]  # started in silence
            elif first[0] <= s and first[0] >= prev_end and s - first[0] <= max_back:
                s = first[0]  # speech began after the previous word ended
            if e > last[1] and last[1] > s:
                e = last[1]  # ended in silence
            e = max(e, s)
        else:  # the word lies wholly in silence: move it onto the nearest free voiced region
            near = [
                r
                for r in regions
                if r[1] > prev_end and max(r[0] - e, s - r[1]) <= Fraction(3, 10)
            ]
            if near:
                r = min(near, key=lambda r: max(r[0] - e, s - r[1]))
                s, e = max(r[0], prev_end), r[1]
        out.append((text, s, e, prob))
        prev_end = max(prev_end, e)
    return out


def _fix_words(
    raw: list[tuple[str, Fraction, Fraction, float]],
    prev_end: Fraction,
    duration: Fraction,
) -> list[Word]:
    out: list[Word] = []
    for text, start, end, prob in raw:
        s = min(max(Fraction(start), Fraction(0)), duration)
        e = min(max(Fraction(end), Fraction(0)), duration)
        s = max(s, prev_end)
        e = max(e, s)
        out.append(Word(text.strip(), s, e, float(prob)))
        prev_end = e
    return out


def transcribe(
    media_path: str | os.PathLike[str],
    *,
    model: str | os.PathLike[str] = "tiny.en",
    language: str | None = None,
    task: Task = "transcribe",
    progress: Callable[[Progress], None] | None = None,
    cancel: CancelToken | None = None,
    device: str | None = None,
    beam_size: int = 5,
    refine: bool = True,
    window: float = WINDOW_SECONDS,
) -> Transcript:
    """Timed words of the speech in any audio or video file.

    ``language``: ``None`` or ``"auto"`` detects it (English-only models always use ``"en"``);
    otherwise an ISO 639-1 code. ``task="translate"`` gives English text (multilingual models).
    ``progress`` receives :class:`Progress` with ``done``/``total`` in milliseconds of audio and
    ``stage="transcribe"``. ``cancel`` is checked before decoding, before the model runs and
    between segments; when set, :class:`capkit.errors.Cancelled` is raised.
    ``window``: seconds of sound decoded and transcribed at a time (see the module notes); a
    file shorter than that is transcribed as a whole.
    """
    if window <= 0:
        raise CaptionError(f"window must be positive, got {window}")
    if task not in ("transcribe", "translate"):
        raise CaptionError(f"unknown task {task!r}: use 'transcribe' or 'translate'")
    if language in ("auto", ""):
        language = None
    if cancel is not None:
        cancel.check()
    started = time.perf_counter()
    whisper = load_model(model, device=device)
    english_only = not whisper.model.is_multilingual
    if english_only:
        if language not in (None, "en"):
            raise CaptionError(
                f"the whisper model {os.fspath(model)!r} is English-only and cannot transcribe "
                f"language {language!r}; use --model base"
            )
        if task == "translate":
            raise CaptionError(
                f"the whisper model {os.fspath(model)!r} is English-only and cannot translate; "
                "use --model base"
            )
    elif language is not None and language not in _supported_languages(whisper):
        raise CaptionError(f"unknown language code {language!r} for whisper")

    from capkit.media.audio import AudioReader

    total = [1]
    reported = [0]

    def report(done_ms: int) -> None:
        reported[0] = max(reported[0], min(done_ms, total[0]))  # never goes backwards
        if progress is not None:
            progress(
                Progress(
                    reported[0],
                    total[0],
                    time.perf_counter() - started,
                    stage="transcribe",
                )
            )

    segments: list[Segment] = []
    first_info = None  # faster-whisper's info for the first window
    detected: tuple[str, float] | None = None  # language of the first window with speech
    prev_end = Fraction(0)
    end_sample = 0
    windows = 0
    with AudioReader(media_path, sample_rate=SAMPLE_RATE, channels=1) as reader:
        total[0] = max(1, round(reader.duration * 1000))
        if cancel is not None:
            cancel.check()
        report(0)
        for offset, audio in _windows(reader, window, _CUT_SEARCH):
            if cancel is not None:
                cancel.check()
            end_sample = offset + len(audio)
            if len(audio) == 0:
                continue
            windows += 1
            start = Fraction(offset, SAMPLE_RATE)
            limit = Fraction(end_sample, SAMPLE_RATE)  # this window's end: words stay inside it
            total[0] = max(total[0], round(limit * 1000))  # the container under-announced it
            use_language = language if language is not None else (detected[0] if detected else None)
            seg_iter, info = whisper.transcribe(
                audio,
                language=use_language,
                task=task,
                beam_size=beam_size,
                word_timestamps=True,
                vad_filter=True,
                condition_on_previous_text=False,
            )
            if first_info is None:
                first_info = info
            regions = voiced_regions(audio) if refine else []
            local_prev = max(prev_end - start, Fraction(0))
            spoke = False
            for seg in seg_iter:
                raw = [(w.word, w.start, w.end, w.probability) for w in (seg.words or [])]
                if refine:
                    raw = _refine(raw, regions, local_prev)
                else:
                    raw = [(t, _sec(a), _sec(b), p) for t, a, b, p in raw]
                if start:
                    raw = [(t, a + start, b + start, p) for t, a, b, p in raw]
                words = _fix_words(raw, prev_end, limit)
                if words:
                    s_start, s_end = words[0].start, words[-1].end
                    prev_end = s_end
                    local_prev = max(prev_end - start, Fraction(0))
                    spoke = True
                else:
                    s_start = min(max(_sec(seg.start) + start, prev_end), limit)
                    s_end = min(max(_sec(seg.end) + start, s_start), limit)
                segments.append(Segment(seg.text.strip(), s_start, s_end, tuple(words)))
                report(round(s_end * 1000))
                if cancel is not None and cancel.cancelled:
                    seg_iter.close()
                    raise Cancelled()
            if spoke and detected is None:
                detected = (info.language, float(info.language_probability))
            report(round(limit * 1000))
            del seg_iter, audio, regions
            _release_memory()
    duration = Fraction(end_sample, SAMPLE_RATE)
    total[0] = max(1, round(duration * 1000))
    reported[0] = total[0]
    report(total[0])
    if first_info is None:  # no audio at all
        lang, lang_p = (language or "en"), 0.0
    elif english_only or language is not None:
        lang, lang_p = (language or first_info.language), 1.0  # given, not detected
    elif detected is not None:
        lang, lang_p = detected
    else:  # no speech anywhere: what the first window looked like
        lang, lang_p = first_info.language, float(first_info.language_probability)
    return Transcript(
        segments=tuple(segments),
        language=lang,
        language_probability=lang_p,
        duration=duration,
        task=task,
        model=os.fspath(model),
        extra={"elapsed_s": time.perf_counter() - started, "windows": windows},
    )


def _release_memory() -> None:
    """Give the freed memory of a window back to the system (glibc keeps large freed blocks in
    its heap, which would make the resident size creep up window after window)."""
    global _malloc_trim
    if _malloc_trim is None:
        try:
            import ctypes

            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _supported_languages(whisper) -> set[str]:
    try:
        return set(whisper.supported_languages)
    except AttributeError:  # pragma: no cover - older faster-whisper
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        return set(_LANGUAGE_CODES)
