"""The project as pure data (no Qt, numpy, cv2 or av here) and the verbs that edit it.

- :mod:`~capkit.model.time` exact time (``Fraction`` seconds) and frame conversions
- :mod:`~capkit.model.items` clips, text, sound and filter items and their styles
- :mod:`~capkit.model.project` settings, tracks, markers and the rules a project keeps
- :mod:`~capkit.model.caption_items` caption items with timed words, caption styles
- :mod:`~capkit.model.keyframes` animated values
- :mod:`~capkit.model.edits` undoable edit verbs (:mod:`~capkit.model.caption_edits` for captions);
  :mod:`~capkit.model.history` the undo stack
"""

from capkit.model.caption_items import ActiveWord, CaptionItem, CaptionStyle, CaptionWord
from capkit.model.history import History
from capkit.model.items import (
    Animation, AudioClip, ColorClip, Crop, FilterItem, FilterRef, ImageClip, Item, MediaRef, Shadow,
    Stroke, TextBox, TextItem, TextStyle, Transform, Transition, VideoClip,
)
from capkit.model.keyframes import Keyframe
from capkit.model.project import Marker, Project, Settings, Track, check_project

__all__ = [
    "ActiveWord", "CaptionItem", "CaptionStyle", "CaptionWord",
    "Animation", "AudioClip", "ColorClip", "Crop", "FilterItem", "FilterRef", "History", "ImageClip",
    "Item", "Keyframe", "Marker", "MediaRef", "Project", "Settings", "Shadow", "Stroke", "TextBox",
    "TextItem", "TextStyle", "Track", "Transform", "Transition", "VideoClip", "check_project",
]
