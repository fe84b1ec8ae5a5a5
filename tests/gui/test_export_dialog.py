"""File > Export: a preset, a file, the checks, progress, a report; cancel leaves nothing behind."""


import av
import pytest
from PySide6.QtCore import Qt

import capkit
from capkit.gui.document import Document
from capkit.gui.export_dialog import (
    ExportDialog,
    default_output,
    format_seconds,
    progress_text,
)
from capkit.gui.main_window import MainWindow
from capkit.progress import Progress


@pytest.fixture
def small(qtbot, dialogs, media, tmp_path):
    """A window on a 2 s, 180x320 project: the scene clip, a filter, text."""
    project = capkit.new_project(180, 320, fps=30, name="Small")
    capkit.add_media(project, media["scene"], duration=2, fit="fill")
    capkit.add_text(project, "Hi", duration=2, size=60)
    win = MainWindow(Document(project, tmp_path / "small.capkit"))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    win.preview.shutdown()


def test_helpers_say_time_and_progress_plainly():
    assert format_seconds(12.4) == "12 s" and format_seconds(75) == "1:15" and format_seconds(3725) == "1:02:05"
    assert progress_text(Progress(30, 60, 2.0)) == "frame 30 of 60 · 2 s so far · about 2 s left"
    assert default_output(None, "My trip!", "tiktok").name == "My trip_-tiktok.mp4"


def test_export_through_the_dialog_then_cancel_one(small, qtbot, tmp_path):
    qtbot.keyClick(small, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    dialog = small.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    # The default file sits beside the project, named after it and the preset.
    dialog.select_preset("tiktok")
    assert dialog.path_edit.text() == str(tmp_path / "small-tiktok.mp4")
    # TikTok's checks (run on a thread): the project is shorter than 3 s (180x320 is 9:16: no bars).
    qtbot.waitUntil(lambda: not dialog.checking and bool(dialog.findings), timeout=30_000)
    listed = [dialog.checks.item(i).text() for i in range(dialog.checks.count())]
    assert any("at least" in line for line in listed) and not any("bars" in line for line in listed)
    assert dialog.export_button.text() == "Export anyway"

    # Custom size: 90x160 at 15 fps, typed into the fields like a person would.
    dialog.preset_box.setCurrentIndex(dialog.preset_box.findData("custom"))
    for box, value in ((dialog.width_box, 90), (dialog.height_box, 160), (dialog.fps_box, 15)):
        box.selectAll()
        qtbot.keyClicks(box, str(value))
    out = tmp_path / "out" / "clip.mp4"
    out.parent.mkdir()
    dialog.path_edit.clear()
    qtbot.keyClicks(dialog.path_edit, str(out))
    with qtbot.waitSignal(dialog.finished_export, timeout=60_000) as done:
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
        assert dialog.running and not dialog.export_button.isEnabled()
    assert done.args == ["done"], dialog.status.text()
    report = dialog.status.text()
    assert str(out) in report and "MB" in report and "30 frames" in report
    with av.open(str(out)) as f:
        stream = f.streams.video[0]
        assert (stream.width, stream.height) == (90, 160)
        assert sum(1 for _ in f.decode(stream)) == 30
        assert f.streams.audio  # the scene clip is silent, but the file has a sound track for the apps

    # A second export, cancelled at once: no file, no temporary file, and the dialog says so.
    dialog.set_output(tmp_path / "out" / "cancelled.mp4")
    dialog.select_preset("tiktok")  # full size: slow enough to be caught midway
    with qtbot.waitSignal(dialog.finished_export, timeout=60_000) as done:
        dialog.export_button.click()
        qtbot.waitUntil(lambda: dialog.progress.value() > 0 or not dialog.running, timeout=30_000)
        dialog.cancel_button.click()
    assert done.args == ["cancelled"]
    assert "cancelled" in dialog.status.text()
    assert sorted(p.name for p in out.parent.iterdir()) == ["clip.mp4"]


def test_a_failed_export_says_why(small, qtbot, tmp_path):
    dialog = small.open_export_dialog()
    dialog.set_output(tmp_path / "missing-folder" / "x.mp4")
    with qtbot.waitSignal(dialog.finished_export, timeout=30_000) as done:
        dialog.export_button.click()
    assert done.args == ["failed"]
    assert "does not exist" in dialog.status.text() and dialog.status.text().startswith("Export failed")
    assert dialog.export_button.isEnabled()
