"""The window as a whole: panels, title, saving, opening, closing with unsaved changes, main()."""

from fractions import Fraction as F
from pathlib import Path

from gui_samples import sample_project
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox

from capkit.gui import recent
from capkit.gui.app import main
from capkit.gui.document import Document
from capkit.gui.main_window import MainWindow
from capkit.io import project_file
from capkit.model.edits import MoveItem

SHOT = Path("/tmp/capkit-gui-shot.png")


def test_window_has_the_editor_panels_and_menus(window):
    docks = {d.windowTitle() for d in window.findChildren(QDockWidget)}
    assert docks == {"Media", "Inspector", "Timeline", "Text", "Filters", "Sounds", "Captions"}
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Playback"]
    assert window.action_map["ripple_delete"].shortcut().toString() == "Shift+Del"
    assert window.windowTitle() == "Untitled — capkit"


def test_title_marks_unsaved_changes_and_ctrl_s_saves(window, qtbot, tmp_path):
    doc = window.document
    path = tmp_path / "edit.capkit"
    window.save_as(path)
    assert window.windowTitle() == "edit — capkit"
    doc.apply(MoveItem(doc.project.tracks[0].items[1].id, F(6)))
    assert window.windowTitle() == "edit * — capkit"
    qtbot.keyClick(window.timeline.view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert window.windowTitle() == "edit — capkit"
    assert project_file.load(path).tracks[0].items[1].start == 6
    assert recent.recent_projects() == [path.resolve()]


def test_inspector_shows_the_selected_item(window, qtbot):
    doc = window.document
    red = doc.project.tracks[0].items[0]
    doc.select([red.id])
    rows = dict(window.inspector.rows())
    assert rows["Type"] == "ColorClip" and rows["Colour"] == "#E02020" and rows["Duration"] == "00:00:02:00"


def test_closing_with_unsaved_changes_asks(window, qtbot, dialogs, tmp_path):
    doc = window.document
    doc.apply(MoveItem(doc.project.tracks[0].items[1].id, F(6)))
    dialogs.answer = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert window.isVisible() and dialogs[-1][0] == "question"
    # Save with no file yet asks where; the user picks a file.
    dialogs.answer = QMessageBox.StandardButton.Save
    target = tmp_path / "kept.capkit"
    window.save_as_dialog = lambda: window.save_as(target)
    assert window.close()
    assert project_file.load(target).tracks[0].items[1].start == 6


def test_discard_closes_without_saving(qtbot, dialogs):
    win = MainWindow(Document(sample_project()))
    qtbot.addWidget(win)
    win.show()
    win.document.apply(MoveItem(win.document.project.tracks[0].items[1].id, F(6)))
    dialogs.answer = QMessageBox.StandardButton.Discard
    assert win.close()
    assert [kind for kind, _ in dialogs] == ["question"]


def test_a_broken_project_file_is_a_message_not_a_traceback(window, dialogs, tmp_path):
    bad = tmp_path / "broken.capkit"
    bad.write_text('{"format": "capkit.project", "format_version": 1, "project": ')
    before = project_file.dumps(window.document.project)
    assert not window.open_project(bad)
    assert dialogs == [("warning", dialogs[0][1])] and "broken.capkit" in dialogs[0][1]
    assert project_file.dumps(window.document.project) == before


def test_refused_gestures_show_the_reason(window, dialogs):
    doc = window.document
    red = doc.project.tracks[0].items[0]
    doc.try_apply(MoveItem(red.id, F(3)))
    assert dialogs and "overlap" in dialogs[0][1]


def test_main_opens_a_project_given_on_the_command_line(qtbot, tmp_path, dialogs, monkeypatch):
    monkeypatch.setenv("CAPKIT_DATA_DIR", str(tmp_path / "data"))  # the autosave session's lock goes here
    path = tmp_path / "cli.capkit"
    project_file.save(sample_project(), path)
    seen = []

    def run_event_loop(*args):
        """Stands in for the event loop (a real one would end the test session's): look, close."""
        for w in QApplication.topLevelWidgets():
            if isinstance(w, MainWindow) and w.isVisible():
                seen.append(w.windowTitle())
                w.close()
        return 0

    monkeypatch.setattr(QApplication, "exec", run_event_loop)
    assert main([str(path)]) == 0
    assert seen == ["cli — capkit"]
    assert main([str(tmp_path / "missing.capkit")]) == 2
    assert "missing.capkit" in dialogs[-1][1]
    assert list((tmp_path / "data" / "backups" / "sessions").iterdir()) == []  # both ended cleanly


def test_screenshot_of_the_editor(window, qtbot, media):
    """Writes the window as an image for people to look at (the test checks it is not blank)."""
    window.media_bin.import_files([media["scene"], media["tone"]])
    window.add_media(media["scene"], start=F(6))
    doc = window.document
    doc.select([doc.project.tracks[0].items[0].id])
    doc.set_playhead(F(1))
    qtbot.waitUntil(lambda: not window.media_bin.busy and window.preview.shown is not None
                    and window.preview.shown.t == 1 and window.preview.shown.revision == doc.revision, timeout=10_000)
    qtbot.wait(50)
    image = window.grab().toImage()
    assert image.save(str(SHOT))
    assert image.width() >= 1000
