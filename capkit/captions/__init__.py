"""Speech to captions, offline: whisper model resolution, transcription with word timing, and
layout of words into caption cues for short video.

Public API::

    from capkit.captions import transcribe, layout
    t = transcribe("clip.mp4", model="tiny.en")      # Transcript(segments=(Segment(words=...)))
    cues = layout(t.words, "phrase", media_duration=t.duration)
"""

from capkit.captions.layout import PRESETS, LayoutRules, layout
from capkit.captions.models import CaptionError, available_models, resolve_model
from capkit.captions.transcribe import Segment, Transcript, Word, load_model, transcribe

__all__ = [
    "PRESETS",
    "CaptionError",
    "LayoutRules",
    "Segment",
    "Transcript",
    "Word",
    "available_models",
    "layout",
    "load_model",
    "resolve_model",
    "transcribe",
]
