"""The export dialog (File > Export…): preset, output file, checks, progress with ETA, cancel, report.

The dialog decides nothing about files or codecs itself: the preset's numbers come from
:mod:`capkit.presets`, the findings from :func:`capkit.presets.checks.check`, and the file from
:func:`capkit.api.export` running on a :class:`ExportWorker` thread with a progress callback and a
:class:`~capkit.progress.CancelToken`. The engine writes to a temporary file and renames it only
when complete, so a cancelled or failed export leaves nothing where the user asked for the output.
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

from PySide6.QtCore import Qt, QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from capkit.errors import Cancelled, CapkitError
from capkit.model.project import Project
from capkit.progress import CancelToken, Progress

CUSTOM = "custom"
VIDEO_FILTER = "MP4 video (*.mp4);;QuickTime (*.mov)"


def format_seconds(seconds: float) -> str:
    """``75.3`` -> ``"1:15"``; under a minute ``"12 s"``."""
    seconds = max(0, round(seconds))
    m, s = divmod(seconds, 60)
    h, m = divmod(m, 60)
    if h:
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m}:{s:02d}" if m else f"{s} s"


def progress_text(p: Progress) -> str:
    """One line for the progress label: frames done, time spent, time left."""
    eta = p.eta
    left = "estimating…" if eta is None else f"about {format_seconds(eta)} left"
    stage = "" if p.stage == "render" else f"{p.stage}: "
    return f"{stage}frame {p.done} of {p.total} · {format_seconds(p.elapsed)} so far · {left}"


def default_output(project_path: Path | None, project_name: str, preset_name: str) -> Path:
    """Beside the project, named after it and the preset (``trip-tiktok.mp4``)."""
    if project_path is not None:
        return project_path.with_name(f"{project_path.stem}-{preset_name}.mp4")
    stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in (project_name or "untitled")).strip() or "untitled"
    folder = Path.home() / "Videos"
    return (folder if folder.is_dir() else Path.home()) / f"{stem}-{preset_name}.mp4"


def report_text(result) -> str:
    """What the user reads after a successful export."""
    size = result.size_bytes / 1e6
    lines = [
        f"Exported {result.path}",
        (f"{size:.1f} MB · {float(result.duration):.2f} s of video ({result.frames} frames) · "
         f"took {format_seconds(result.seconds)}"),
    ]
    if result.loudness is not None and result.loudness.integrated_lufs not in (None, float("-inf")):
        lines.append(f"Loudness {result.loudness.integrated_lufs:.1f} LUFS, "
                     f"true peak {result.loudness.true_peak_dbtp:+.1f} dBTP")
    return "\n".join(lines)


class ExportWorker(QThread):
    """Runs one export; reports through signals (queued to the GUI thread)."""

    progressed = Signal(object)  # Progress
    succeeded = Signal(object)  # ExportResult
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, project: Project, out: Path, settings: dict, parent=None) -> None:
        super().__init__(parent)
        self.project, self.out, self.settings = project, out, settings
        self.token = CancelToken()
        self._last = 0.0

    def cancel(self) -> None:
        self.token.cancel()

    def _progress(self, p: Progress) -> None:
        now = time.monotonic()
        if now - self._last >= 0.1 or p.done >= p.total:  # a signal per frame would flood the GUI
            self._last = now
            self.progressed.emit(p)

    def run(self) -> None:
        from capkit import api

        try:
            result = api.export(self.project, self.out, progress=self._progress, cancel=self.token, **self.settings)
        except Cancelled:
            self.cancelled.emit()
        except CapkitError as err:
            self.failed.emit(str(err))
        except Exception as err:  # a bug must still end in a message, not a dialog stuck on "exporting"
            self.failed.emit(f"export failed ({type(err).__name__}: {err})")
        else:
            self.succeeded.emit(result)


class ChecksWorker(QThread):
    """Runs the preset's checks (they render text to see where it lands) off the GUI thread."""

    done = Signal(object, object)  # preset name, list of findings (or a CapkitError)

    def __init__(self, project: Project, preset, parent=None) -> None:
        super().__init__(parent)
        self.project, self.preset = project, preset

    def run(self) -> None:
        from capkit.presets.checks import check

        try:
            found = check(self.project, self.preset)
        except CapkitError as err:
            found = [err]
        except Exception as err:  # a check that breaks must not take the dialog with it
            found = [CapkitError(f"the checks could not run ({type(err).__name__}: {err})")]
        self.done.emit(self.preset.name, found)


class ExportDialog(QDialog):
    """Choose a preset and a file, read the checks, export, watch progress, read the report."""

    finished_export = Signal(str)  # "done", "failed" or "cancelled"

    def __init__(self, project: Project, project_path: Path | None = None, parent=None) -> None:
        super().__init__(parent)
        from capkit.presets import presets

        self.setObjectName("export-dialog")
        self.setWindowTitle("Export")
        self.setMinimumWidth(560)
        self.project = project  # a snapshot: editing may go on while this exports
        self.project_path = project_path
        self.presets = {p.name: p for p in presets()}
        self.worker: ExportWorker | None = None
        self.result = None
        self.error = ""
        self.findings: list = []
        self.checker: ChecksWorker | None = None
        self._checkers: list[ChecksWorker] = []  # ones still running after the preset changed
        self._path_edited = False

        self.preset_box = QComboBox(self)
        self.preset_box.setObjectName("preset")
        for p in self.presets.values():
            self.preset_box.addItem(f"{p.title} ({p.width}x{p.height}, {p.fps} fps)", p.name)
        self.preset_box.addItem("Custom", CUSTOM)
        s = project.settings
        self.width_box = self._spin("width", 16, 8192, s.width, 2)
        self.height_box = self._spin("height", 16, 8192, s.height, 2)
        self.fps_box = self._spin("fps", 1, 120, round(float(s.fps)), 1)
        custom = QWidget(self)
        row = QHBoxLayout(custom)
        row.setContentsMargins(0, 0, 0, 0)
        for label, box in (("W", self.width_box), ("H", self.height_box), ("fps", self.fps_box)):
            row.addWidget(QLabel(label, custom))
            row.addWidget(box)
        self.custom_row = custom

        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("output-path")
        self.path_edit.textEdited.connect(self._user_path)
        browse = QPushButton("Choose…", self)
        browse.setObjectName("browse")
        browse.clicked.connect(self.browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)

        self.checks = QListWidget(self)
        self.checks.setObjectName("checks")
        self.checks.setMaximumHeight(150)
        self.checks.setWordWrap(True)
        self.checks.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("progress")
        self.progress.setRange(0, 1000)
        self.progress.setValue(0)
        self.status = QLabel("", self)
        self.status.setObjectName("status")
        self.status.setWordWrap(True)

        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("export")
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel export", self)
        self.cancel_button.setObjectName("cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button = QPushButton("Close", self)
        self.close_button.setObjectName("close")
        self.close_button.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for b in (self.export_button, self.cancel_button, self.close_button):
            buttons.addWidget(b)

        form = QFormLayout()
        form.addRow("Preset", self.preset_box)
        form.addRow("Size", self.custom_row)
        form.addRow("Save to", path_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.checks_title = QLabel("Before you upload", self)
        layout.addWidget(self.checks_title)
        layout.addWidget(self.checks)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

        self.preset_box.currentIndexChanged.connect(self._preset_changed)
        self._preset_changed()
        self._set_running(False)

    def _spin(self, name: str, lo: int, hi: int, value: int, step: int) -> QSpinBox:
        box = QSpinBox(self)
        box.setObjectName(name)
        box.setRange(lo, hi)
        box.setSingleStep(step)
        box.setValue(value)
        return box

    # --- choices ------------------------------------------------------------------------------

    @property
    def preset_name(self) -> str:
        return self.preset_box.currentData()

    def select_preset(self, name: str) -> None:
        index = self.preset_box.findData(name)
        if index < 0:
            raise CapkitError(f"no export preset named {name!r}")
        self.preset_box.setCurrentIndex(index)

    def set_output(self, path: str | Path) -> None:
        self.path_edit.setText(str(path))
        self._path_edited = True

    def _user_path(self, *_) -> None:
        self._path_edited = True

    def browse(self) -> None:
        name, _ = QFileDialog.getSaveFileName(self, "Export to", self.path_edit.text(), VIDEO_FILTER)
        if name:
            self.set_output(name)

    def _preset_changed(self, *_) -> None:
        name = self.preset_name
        self.custom_row.setEnabled(name == CUSTOM)
        if name != CUSTOM:
            p = self.presets[name]
            self.width_box.setValue(p.width)
            self.height_box.setValue(p.height)
            self.fps_box.setValue(p.fps)
        if not self._path_edited:
            self.path_edit.setText(str(default_output(self.project_path, self.project.name, name)))
        self.run_checks()

    @property
    def checking(self) -> bool:
        return self.checker is not None and self.checker.isRunning()

    def run_checks(self) -> None:
        """Fill the list with what the chosen preset's platform would object to (on a thread)."""
        self.checks.clear()
        self.findings = []
        self._show_findings_title()
        if self.preset_name == CUSTOM:
            self.checks.addItem("No platform checks for a custom size.")
            return
        self.checks.addItem("Checking…")
        checker = ChecksWorker(self.project, self.presets[self.preset_name], self)
        checker.done.connect(self._checked)
        self.checker = checker
        self._checkers = [c for c in self._checkers if c.isRunning()] + [checker]
        checker.start()

    def _checked(self, preset_name: str, findings: list) -> None:
        if preset_name != self.preset_name:
            return  # the user chose another preset meanwhile
        self.checks.clear()
        self.findings = findings
        for f in findings:
            self.checks.addItem(f"⚠ {f}")
        if not findings:
            self.checks.addItem(f"✓ Ready for {self.presets[preset_name].title}.")
        self._show_findings_title()

    def _show_findings_title(self) -> None:
        n = len(self.findings)
        self.export_button.setText("Export anyway" if n else "Export")
        self.checks_title.setText(f"Before you upload: {n} thing{'s' if n != 1 else ''} to look at" if n
                                  else "Before you upload")
    def settings(self) -> dict:
        """Keyword arguments for :func:`capkit.api.export`."""
        if self.preset_name == CUSTOM:
            w, h = self.width_box.value() // 2 * 2, self.height_box.value() // 2 * 2
            return {"width": w, "height": h, "fps": Fraction(self.fps_box.value())}
        from capkit.presets import export_settings

        return export_settings(self.presets[self.preset_name])

    # --- running ------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.worker is not None and self.worker.isRunning()

    def start(self) -> None:
        text = self.path_edit.text().strip()
        if not text:
            self._finish_failed("choose where to save the video first")
            return
        out = Path(text).expanduser()
        if out.suffix == "":
            out = out.with_suffix(".mp4")
            self.path_edit.setText(str(out))
        self.result, self.error = None, ""
        self.progress.setValue(0)
        self.status.setText("Starting…")
        self.worker = ExportWorker(self.project, out, self.settings(), self)
        self.worker.progressed.connect(self._progressed)
        self.worker.succeeded.connect(self._succeeded)
        self.worker.failed.connect(self._finish_failed)
        self.worker.cancelled.connect(self._cancelled)
        self._started = time.monotonic()
        self._set_running(True)
        self.worker.start()

    def cancel(self) -> None:
        """Stop a running export (nothing is left at the output path); otherwise close."""
        if self.running:
            self.status.setText("Cancelling…")
            self.worker.cancel()
        else:
            self.reject()

    def _set_running(self, running: bool) -> None:
        for w in (self.preset_box, self.custom_row, self.path_edit, self.export_button, self.close_button):
            w.setEnabled(not running and (w is not self.custom_row or self.preset_name == CUSTOM))
        self.cancel_button.setVisible(running)  # Close does it when nothing runs
        self.progress.setVisible(running or self.result is not None)

    def _progressed(self, p: Progress) -> None:
        self.progress.setValue(round(p.fraction * 1000))
        self.status.setText(progress_text(p))

    def _succeeded(self, result) -> None:
        self.result = result
        self.progress.setValue(1000)
        self.status.setText(report_text(result))
        self._done("done")

    def _finish_failed(self, message: str) -> None:
        self.error = message
        self.status.setText(f"Export failed: {message}")
        self._done("failed")

    def _cancelled(self) -> None:
        self.status.setText("Export cancelled; no file was written.")
        self.progress.setValue(0)
        self._done("cancelled")

    def _done(self, how: str) -> None:
        if self.worker is not None:
            self.worker.wait()
        self._set_running(False)
        self.finished_export.emit(how)

    def _wind_down(self) -> None:
        if self.running:  # closing the window cancels the export rather than orphaning it
            self.worker.cancel()
            self.worker.wait()
        for checker in self._checkers:
            checker.wait()

    def reject(self) -> None:
        self._wind_down()
        super().reject()

    def accept(self) -> None:
        self._wind_down()
        super().accept()

    def closeEvent(self, event) -> None:
        self._wind_down()
        super().closeEvent(event)
