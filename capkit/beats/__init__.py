"""Beat sync: find the beat of music and cut to it.

- :mod:`capkit.beats.analysis` (numpy only): onset strength, tempo and beat times of a sound
  file or samples, read in blocks.
- :mod:`capkit.beats.project`: markers at a clip's beats (an undoable edit) and clips laid one
  after another with every cut on a beat.

A package rather than one module because the two halves depend on different layers: the
analysis on numpy and the media readers only, the timeline half on the model and the API.
"""

from capkit.beats.analysis import BeatAnalysis, detect_beats
from capkit.beats.project import AddMarkers, BeatCut, beat_markers, cut_to_beat

__all__ = ["AddMarkers", "BeatAnalysis", "BeatCut", "beat_markers", "cut_to_beat", "detect_beats"]
