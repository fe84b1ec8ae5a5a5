"""Panels docked around the editor: text presets, filters, sounds and captions.

- :mod:`~capkit.gui.panels.text_presets` ready-made text looks, added at the playhead
- :mod:`~capkit.gui.panels.filters` built-in and pack filters with thumbnails and hover preview
- :mod:`~capkit.gui.panels.sounds` the synthesised starter library and the user's sound folders
- :mod:`~capkit.gui.panels.captions` transcription with progress and cancel; caption list and style
- :mod:`~capkit.gui.panels.replay` what an API call added, as one undoable edit (no Qt)
- :mod:`~capkit.gui.panels.drag` rows dragged onto the timeline: their MIME payload

:func:`install_panels` docks them in a :class:`~capkit.gui.main_window.MainWindow`: text, filters
and sounds as tabs beside the media bin on the left, captions as a tab beside the inspector on
the right. Messages go to the status bar; refused edits reach the user through the document.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow

from capkit.gui.panels.captions import CaptionsPanel
from capkit.gui.panels.filters import FiltersPanel
from capkit.gui.panels.sounds import SoundsPanel
from capkit.gui.panels.text_presets import TextPresetsPanel

__all__ = ["CaptionsPanel", "FiltersPanel", "SoundsPanel", "TextPresetsPanel", "install_panels"]


INSPECTOR_WIDTH = 340


def _dock(window: QMainWindow, title: str, widget, area, beside: QDockWidget | None) -> QDockWidget:
    dock = QDockWidget(title, window)
    dock.setObjectName(f"dock-{title.lower()}")
    dock.setWidget(widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
    window.addDockWidget(area, dock)
    if beside is not None:
        window.tabifyDockWidget(beside, dock)
    return dock


def install_panels(window) -> dict[str, QDockWidget]:
    """Add the panels to ``window`` as docks; returns them by name (``text``, ``filters``,
    ``sounds``, ``captions``), also kept as ``window.panel_docks``. The panels themselves are
    ``window.panels[name]``. Calling it again returns the docks already there."""
    if getattr(window, "panel_docks", None):
        return window.panel_docks
    doc = window.document
    status = window.statusBar()
    left = window.findChild(QDockWidget, "dock-media")
    right = window.findChild(QDockWidget, "dock-inspector")
    if right is not None:  # room for a slider beside the inspector's number boxes (before tabbing:
        # resizing a tabbed area leaves a stale tab bar behind in Qt 6)
        window.resizeDocks([right], [INSPECTOR_WIDTH], Qt.Orientation.Horizontal)
    panels = {
        "text": TextPresetsPanel(doc, window),
        "filters": FiltersPanel(doc, window),
        "sounds": SoundsPanel(doc, window),
        "captions": CaptionsPanel(doc, window),
    }
    titles = {"text": "Text", "filters": "Filters", "sounds": "Sounds", "captions": "Captions"}
    docks: dict[str, QDockWidget] = {}
    for name, panel in panels.items():
        panel.message.connect(lambda msg: status.showMessage(msg, 6000))
        area = Qt.DockWidgetArea.RightDockWidgetArea if name == "captions" else Qt.DockWidgetArea.LeftDockWidgetArea
        docks[name] = _dock(window, titles[name], panel, area, right if name == "captions" else left)
    for beside in (left, right):  # the media bin and the inspector stay the tabs in front
        if beside is not None:
            beside.raise_()
    window.panels = panels
    window.panel_docks = docks

    window._panel_closer = _Closer(panels, window)
    window.installEventFilter(window._panel_closer)
    app = QCoreApplication.instance()
    if app is not None:
        app.aboutToQuit.connect(window._panel_closer.shutdown)
    return docks


class _Closer(QObject):
    """Stops the panels' threads when the window is closed (hidden after its close was accepted),
    so no worker outlives the widgets it reports to."""

    def __init__(self, panels: dict, parent) -> None:
        super().__init__(parent)
        self.panels = panels

    def shutdown(self) -> None:
        self.panels["filters"].shutdown()
        self.panels["captions"].shutdown()

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Hide and not event.spontaneous():
            self.shutdown()
        return False
