"""The captions panel: transcribe the project's speech into a caption track, then fix it up.

*Generate captions* runs :func:`capkit.api.caption_project` on a copy of the project in a worker
thread with the chosen model, layout and style; a progress bar follows the transcription and
*Cancel* stops it (a cancelled run changes nothing). What the run added (a caption track and its
captions) is applied as one undo step.

Below, the captions of a caption track are listed with their start, end and text. Editing a
text changes the caption's words (:class:`~capkit.model.caption_edits.SetCaptionText`, which keeps
the timing of unchanged words); editing a start moves the caption (``ShiftItems``), editing an
end trims it (``TrimEnd``). *Style* restyles every caption of the track as one undo step.
"""

from __future__ import annotations

import copy
import re
from fractions import Fraction

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from capkit.errors import Cancelled
from capkit.gui.background import describe_error
from capkit.gui.document import Document
from capkit.gui.panels.replay import additions
from capkit.model.caption_edits import SetCaptionText
from capkit.model.caption_items import CaptionItem
from capkit.model.edits import Group, SetProperty, ShiftItems, TrimEnd
from capkit.model.project import Project
from capkit.progress import CancelToken, Progress

LAYOUTS = (("phrase", "phrases (3-5 words)"), ("word", "word by word"), ("subtitle", "subtitles (2 lines)"))
MODELS = (("tiny.en", "tiny.en (English, fastest)"), ("base", "base (many languages)"))
COLUMNS = ("Start", "End", "Text")
ID_ROLE = Qt.ItemDataRole.UserRole
_CLOCK = re.compile(r"^(?:(\d+):)?(\d+(?:\.\d*)?)$")


def format_time(t: Fraction) -> str:
    return f"{float(t):.3f}"


def parse_time(text: str) -> Fraction:
    """Seconds typed as ``1.25`` or ``0:01.25``; raises ValueError otherwise."""
    m = _CLOCK.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} is not a time: type seconds like 1.25 or minutes:seconds like 0:01.25")
    minutes = int(m.group(1) or 0)
    return Fraction(60 * minutes) + Fraction(m.group(2)).limit_denominator(1000)


class CaptionRun(QThread):
    """One transcription on a copy of the project."""

    progressed = Signal(float, str)  # fraction done, what is happening
    succeeded = Signal(object)  # the edit that adds the captions
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, project: Project, model: str, layout: str, style: str, parent=None) -> None:
        super().__init__(parent)
        self.project = project  # a snapshot: this thread's own copy
        self.model, self.layout, self.style = model, layout, style
        self.token = CancelToken()

    def cancel(self) -> None:
        self.token.cancel()

    def _progress(self, p: Progress) -> None:
        self.progressed.emit(p.fraction, p.stage)

    def run(self) -> None:
        from capkit import api

        try:
            before = copy.deepcopy(self.project)
            after = self.project
            api.caption_project(after, model=self.model, layout=self.layout, style=self.style,
                                progress=self._progress, cancel=self.token)
            self.token.check()  # cancelled during the last step: still nothing is added
            edit, _ = additions(before, after, "Add captions")
        except Cancelled:
            self.cancelled.emit()
            return
        except Exception as err:  # reported to the user, whatever broke
            if self.token.cancelled:
                self.cancelled.emit()
            else:
                self.failed.emit(describe_error(err))
            return
        self.succeeded.emit(edit)


class CaptionsPanel(QWidget):
    message = Signal(str)
    run_finished = Signal(str)  # "done", "cancelled" or "failed"

    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        from capkit.captions import available_models
        from capkit.io import caption_styles

        self.setObjectName("captions-panel")
        self.document = document
        self.current_run: CaptionRun | None = None
        self._project: Project | None = None
        self._filling = False
        have = available_models()
        self.model = QComboBox(self)
        self.model.setObjectName("caption-model")
        for name, text in MODELS:
            self.model.addItem(text if have.get(name) else f"{text}: not installed", name)
        self.layout_box = QComboBox(self)
        self.layout_box.setObjectName("caption-layout")
        for name, text in LAYOUTS:
            self.layout_box.addItem(text, name)
        self.style_box = QComboBox(self)
        self.style_box.setObjectName("caption-style")
        self.style_box.addItems(caption_styles.names())
        self.style_box.setCurrentText(caption_styles.DEFAULT)
        self.run_button = QPushButton("Generate captions", self)
        self.run_button.setObjectName("caption-run")
        self.run_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("caption-cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("caption-progress")
        self.progress.setRange(0, 1000)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self.status = QLabel("", self)
        self.status.setObjectName("caption-status")
        self.status.setWordWrap(True)
        self.status.setStyleSheet("color: #9aa0aa;")

        self.track = QComboBox(self)
        self.track.setObjectName("caption-track")
        self.track.currentIndexChanged.connect(lambda _: self.fill_table())
        self.restyle_box = QComboBox(self)
        self.restyle_box.setObjectName("caption-restyle")
        self.restyle_box.addItems(caption_styles.names())
        self.restyle_box.activated.connect(lambda _: self.restyle(self.restyle_box.currentText()))
        self.table = QTableWidget(0, len(COLUMNS), self)
        self.table.setObjectName("caption-table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemChanged.connect(self._cell_edited)
        self.table.currentCellChanged.connect(self._row_chosen)

        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Layout", self.layout_box)
        form.addRow("Style", self.style_box)
        buttons = QHBoxLayout()
        buttons.addWidget(self.run_button, 1)
        buttons.addWidget(self.cancel_button)
        edit_form = QFormLayout()
        edit_form.addRow("Track", self.track)
        edit_form.addRow("Restyle", self.restyle_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(edit_form)
        layout.addWidget(self.table, 1)
        document.changed.connect(self.refresh)
        self.refresh()

    # --- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.current_run is not None

    def start(self) -> bool:
        doc = self.document
        if self.running:
            return False
        if doc.project.duration <= 0:
            doc.failed.emit("The project is empty: add clips with speech before generating captions")
            return False
        self._project = doc.project  # the result belongs to this project, not one opened meanwhile
        self.current_run = CaptionRun(doc.snapshot(), self.model.currentData(), self.layout_box.currentData(),
                              self.style_box.currentText(), self)
        self.current_run.progressed.connect(self._progressed)
        self.current_run.succeeded.connect(self._succeeded)
        self.current_run.failed.connect(self._failed)
        self.current_run.cancelled.connect(self._cancelled)
        self.run_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setRange(0, 0)  # busy until the first report
        self.progress.show()
        self.status.setText(f"Listening with {self.model.currentData()}…")
        self.current_run.start()
        return True

    def cancel(self) -> None:
        if self.current_run is not None:
            self.current_run.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText("Cancelling…")

    def _progressed(self, fraction: float, stage: str) -> None:
        self.progress.setRange(0, 1000)
        self.progress.setValue(round(fraction * 1000))
        self.status.setText(f"Transcribing… {fraction:.0%}")

    def _finish(self, outcome: str, text: str) -> None:
        if self.current_run is not None:
            self.current_run.wait()
            self.current_run.deleteLater()
        self.current_run = None
        self.run_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.hide()
        self.status.setText(text)
        self.run_finished.emit(outcome)

    def _succeeded(self, edit: Group) -> None:
        count = sum(1 for e in edit.edits if hasattr(e, "item"))
        if self.document.project is not self._project:
            self._finish("cancelled", "Another project was opened: the captions were not added")
            return
        ok = count > 0 and self.document.try_apply(edit)
        if ok:
            track_id = edit.edits[0].track_id
            self.refresh()
            self.track.setCurrentIndex(max(0, self.track.findData(track_id)))
        self._finish("done" if ok else "failed",
                     f"Added {count} captions" if ok else "No speech was found" if not count else "")

    def _failed(self, message: str) -> None:
        self.document.failed.emit(message)
        self._finish("failed", message)

    def _cancelled(self) -> None:
        self._finish("cancelled", "Cancelled: nothing was changed")

    def shutdown(self) -> None:
        if self.current_run is not None:
            self.current_run.cancel()
            self.current_run.wait()

    # --- the list -----------------------------------------------------------------------------

    def caption_track(self):
        track_id = self.track.currentData()
        for t in self.document.project.tracks_of("caption"):
            if t.id == track_id:
                return t
        return None

    def captions(self) -> list[CaptionItem]:
        track = self.caption_track()
        return [] if track is None else list(track.items)

    def refresh(self, *_) -> None:
        tracks = self.document.project.tracks_of("caption")
        current = self.track.currentData()
        self.track.blockSignals(True)
        self.track.clear()
        for i, t in enumerate(tracks):
            self.track.addItem(t.name or f"Captions {i + 1}", t.id)
        index = self.track.findData(current)
        self.track.setCurrentIndex(index if index >= 0 else self.track.count() - 1)
        self.track.blockSignals(False)
        self.restyle_box.setEnabled(bool(tracks))
        items = self.captions()
        if items:
            self.restyle_box.setCurrentText(items[0].style.name)
        self.fill_table()

    def fill_table(self) -> None:
        self._filling = True
        items = self.captions()
        self.table.setRowCount(len(items))
        for row, item in enumerate(items):
            for col, text in enumerate((format_time(item.start), format_time(item.end), item.text.replace("\n", " / "))):
                cell = self.table.item(row, col)
                if cell is None:
                    cell = QTableWidgetItem()
                    self.table.setItem(row, col, cell)
                cell.setText(text)
                cell.setData(ID_ROLE, item.id)
        self._filling = False

    def _row_chosen(self, row: int, *_) -> None:
        items = self.captions()
        if 0 <= row < len(items) and not self._filling:
            self.document.select([items[row].id])
            self.document.set_playhead(items[row].start)

    def _cell_edited(self, cell: QTableWidgetItem) -> None:
        if self._filling:
            return
        doc = self.document
        _, item = doc.project.find(cell.data(ID_ROLE))
        col, text = cell.column(), cell.text()
        try:
            if col == 2:
                edit = SetCaptionText(item.id, text.replace(" / ", "\n"))
            elif col == 0:
                edit = ShiftItems([item.id], parse_time(text) - item.start)
            else:
                edit = TrimEnd(item.id, parse_time(text))
        except ValueError as err:
            doc.failed.emit(str(err))
            edit = None
        if edit is None or not doc.try_apply(edit):
            self.fill_table()  # back to what the caption really is

    def restyle(self, name: str) -> bool:
        from capkit.api import _caption_style

        items = self.captions()
        if not items:
            return False
        style = _caption_style(self.document.project, name)
        edit = Group([SetProperty(i.id, "style", style) for i in items], f"Caption style {name}")
        ok = self.document.try_apply(edit)
        if ok:
            self.message.emit(f"{len(items)} captions restyled as {name}")
        return ok
