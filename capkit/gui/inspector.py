"""The inspector: the selected item's basic properties, read-only for now."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QVBoxLayout, QWidget

from capkit.gui.document import Document
from capkit.gui.timeline.clip_item import item_label
from capkit.model.time import format_timecode


class Inspector(QWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.document = document
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.form_host = QWidget(self)
        self.form = QFormLayout(self.form_host)
        self.form.setContentsMargins(0, 6, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 10, 10, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.form_host)
        layout.addStretch(1)
        document.selection_changed.connect(self.refresh)
        document.changed.connect(self.refresh)
        self.refresh()

    def rows(self) -> list[tuple[str, str]]:
        doc = self.document
        project = doc.project
        chosen = [i for i in project.items() if i.id in doc.selection]
        fps = project.settings.fps
        if not chosen:
            s = project.settings
            return [("Canvas", f"{s.width} × {s.height}"), ("Frame rate", f"{float(fps):g} fps"),
                    ("Duration", format_timecode(project.duration, fps)), ("Tracks", str(len(project.tracks)))]
        if len(chosen) > 1:
            return [("Selected", f"{len(chosen)} items")]
        item = chosen[0]
        track, _ = project.find(item.id)
        rows = [("Type", type(item).SCHEMA), ("Name", item_label(item)), ("Track", track.name or track.kind),
                ("Start", format_timecode(item.start, fps)), ("Duration", format_timecode(item.duration, fps)),
                ("End", format_timecode(item.end, fps))]
        source = getattr(item, "source", None)
        if source is not None and source.path:
            rows.append(("Source", source.path))
        if hasattr(item, "source_in"):
            rows.append(("Source in", format_timecode(item.source_in, fps)))
            rows.append(("Speed", f"{float(item.speed):g}×"))
        if hasattr(item, "color") and isinstance(item.color, str):
            rows.append(("Colour", item.color))
        return rows

    def refresh(self) -> None:
        chosen = len(self.document.selection)
        self.title.setText("<b>Project</b>" if not chosen else "<b>Selection</b>")
        while self.form.rowCount():
            self.form.removeRow(0)
        for name, value in self.rows():
            label = QLabel(value)
            label.setWordWrap(True)
            self.form.addRow(f"{name}:", label)
