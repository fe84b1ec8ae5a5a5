"""The multi-track timeline: ruler, playhead, track rows and their headers, clips.

- :mod:`.geometry` pure maths: time <-> pixels, snapping, ruler ticks (unit tested without Qt)
- :mod:`.commands` which edits a timeline gesture makes (split, delete, ripple delete, move)
- :mod:`.clip_item` how one item is drawn
- :mod:`.view` the QGraphicsView: mouse gestures, ruler and playhead
- :mod:`.headers` track names with mute / hide / lock toggles
- :mod:`.widget` headers and view together, zoom
"""

from capkit.gui.timeline.widget import TimelineWidget

__all__ = ["TimelineWidget"]
