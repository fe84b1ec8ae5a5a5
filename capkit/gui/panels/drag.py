"""Dragging from the panels onto the timeline: what a panel row carries, and reading it back.

A text preset, filter or sound row is dragged as :data:`MIME` data holding a small JSON object
(``{"kind": "text", "index": 2}``, ``{"kind": "filter", "id": "grade"}``, ``{"kind": "sound",
"path": ..., "name": ..., "role": ...}``). The timeline reads it back with :func:`read_payload`
and the window hands it to the panel's own add function with the drop's time and track.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QListWidget, QListWidgetItem

MIME = "application/x-capkit-panel-item"


def make_mime(payload: dict) -> QMimeData:
    data = QMimeData()
    data.setData(MIME, json.dumps(payload).encode("utf-8"))
    return data


def read_payload(data: QMimeData) -> dict | None:
    """The payload of a panel drag, or None for anything else."""
    if not data.hasFormat(MIME):
        return None
    try:
        payload = json.loads(bytes(data.data(MIME)).decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) and isinstance(payload.get("kind"), str) else None


class DragList(QListWidget):
    """A panel's list whose rows drag out as :data:`MIME` payloads (``payload(row)``; None: not
    draggable, a heading say)."""

    def __init__(self, payload: Callable[[QListWidgetItem], dict | None], parent=None) -> None:
        super().__init__(parent)
        self.payload = payload
        self.setDragEnabled(True)
        self.setDragDropMode(QListWidget.DragDropMode.DragOnly)

    def mimeData(self, items) -> QMimeData:
        payloads = [p for p in (self.payload(i) for i in items) if p is not None]
        return make_mime(payloads[0]) if payloads else QMimeData()

    def startDrag(self, actions) -> None:
        row = self.currentItem()
        if row is None or self.payload(row) is None:
            return
        drag = QDrag(self)
        drag.setMimeData(self.mimeData([row]))
        if not row.icon().isNull():
            drag.setPixmap(row.icon().pixmap(self.iconSize()))
        drag.exec(Qt.DropAction.CopyAction)
