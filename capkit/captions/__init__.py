"""Speech to captions, offline: whisper model resolution and transcription with word timing.

Public API::

    from capkit.captions import transcribe, resolve_model, CaptionError
    t = transcribe("clip.mp4", model="tiny.en")      # Transcript(segments=(Segment(words=...)))
"""

from capkit.captions.models import CaptionError, available_models, resolve_model
from capkit.captions.transcribe import Segment, Transcript, Word, load_model, transcribe

__all__ = [
    "CaptionError",
    "Segment",
    "Transcript",
    "Word",
    "available_models",
    "load_model",
    "resolve_model",
    "transcribe",
]
