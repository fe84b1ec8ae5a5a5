"""The multi-track timeline: ruler, playhead, track rows and their headers, clips.

- :mod:`.geometry` pure maths: time <-> pixels, snapping, ruler ticks (unit tested without Qt)
- :mod:`.commands` which edits a timeline gesture makes (split, delete, ripple delete, move,
  add and move tracks)
- :mod:`.clip_item` how one item is drawn (thumbnails, waveform, missing media)
- :mod:`.media_cache` thumbnails and waveform peaks made in the background, cached
- :mod:`.view` the QGraphicsView: mouse gestures, ruler and playhead
- :mod:`.headers` track names with mute / hide / lock toggles and the add / move / rename /
  remove menu
- :mod:`.widget` headers and view together, zoom
"""

from capkit.gui.timeline.widget import TimelineWidget

__all__ = ["TimelineWidget"]
