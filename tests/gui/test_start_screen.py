"""The start screen and the recent-projects list behind it."""

from gui_samples import sample_project
from PySide6.QtCore import Qt

from capkit.gui import recent
from capkit.gui.start_screen import PRESETS, StartScreen
from capkit.io import project_file


def test_presets_cover_the_short_video_shapes():
    assert [(p.name, p.width, p.height) for p in PRESETS] == [
        ("9:16", 1080, 1920), ("1:1", 1080, 1080), ("4:5", 1080, 1350), ("16:9", 1920, 1080)]


def test_recent_projects_are_kept_newest_first(tmp_path, config_dir):
    a, b = tmp_path / "a.capkit", tmp_path / "b.capkit"
    for p in (a, b):
        project_file.save(sample_project(), p)
    recent.remember(a)
    recent.remember(b)
    recent.remember(a)
    assert recent.recent_projects() == [a.resolve(), b.resolve()]
    b.unlink()
    assert recent.recent_projects() == [a.resolve()]
    assert (config_dir / recent.FILE_NAME).is_file()
    (config_dir / recent.FILE_NAME).write_text("{ broken")
    assert recent.recent_projects() == []


def test_choosing_a_preset_or_a_recent_project(qtbot, tmp_path):
    path = tmp_path / "trip.capkit"
    project_file.save(sample_project(), path)
    recent.remember(path)
    screen = StartScreen()
    qtbot.addWidget(screen)
    screen.show()
    qtbot.mouseClick(screen.preset_buttons["4:5"], Qt.MouseButton.LeftButton)
    assert screen.result() == StartScreen.DialogCode.Accepted and screen.preset.height == 1350

    screen = StartScreen()
    qtbot.addWidget(screen)
    screen.show()
    assert screen.recent_list.count() == 1
    screen.recent_list.itemActivated.emit(screen.recent_list.item(0))
    assert screen.open_path == path.resolve()


def test_new_project_from_a_preset_replaces_the_document(window, monkeypatch):
    monkeypatch.setattr(StartScreen, "exec", lambda self: (self._choose(PRESETS[1]), 1)[1])
    window.document.history.mark_saved()
    window.new_project()
    s = window.document.project.settings
    assert (s.width, s.height) == (1080, 1080) and not list(window.document.project.items())
    assert not window.document.history.can_undo
