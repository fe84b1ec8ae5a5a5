"""Fixtures for the editor's tests: media made here, a window on a small project, and dialogs
answered by the test instead of a person."""

from __future__ import annotations

import numpy as np
import pytest
from gui_samples import sample_project
from PySide6.QtWidgets import QMessageBox

import capkit
from capkit.gui.document import Document
from capkit.gui.main_window import MainWindow
from capkit.gui.theme import apply_dark_theme
from capkit.synth.audio import tone, write_audio
from capkit.synth.video import scene_pattern, write_video


@pytest.fixture(scope="package", autouse=True)
def collect_on_the_gui_thread(qapp):
    """As in the app (capkit.gui.gc_policy): no cycle collection on worker threads while the GUI
    tests run; Python's own collector comes back for the tests after them."""
    from capkit.gui import gc_policy

    gc_policy.install(qapp)
    yield
    gc_policy.uninstall()


@pytest.fixture(autouse=True)
def _collect_after_each_test():
    """Windows closed by a test are freed here, on the GUI thread, not later on some worker."""
    import gc

    yield
    gc.collect()


@pytest.fixture(autouse=True)
def config_dir(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    monkeypatch.setenv("CAPKIT_CONFIG_DIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("gui-media")
    return {
        "scene": write_video(d / "scene.mp4", lambda n: scene_pattern(320, 180, n, 30), fps=30, n_frames=60),
        "green": write_video(d / "green.mp4", lambda n: np.full((64, 64, 3), (0, 200, 0), np.uint8), fps=30, n_frames=30),
        "tone": write_audio(d / "tone.wav", tone(440, 1.5, amplitude=0.2)),
    }


@pytest.fixture
def dialogs(monkeypatch):
    """Message boxes shown, as (kind, text); question boxes answer ``dialogs.answer``."""

    class Log(list):
        answer = QMessageBox.StandardButton.Discard

    log = Log()

    def warning(parent, title, text, *args, **kwargs):
        log.append(("warning", text))
        return QMessageBox.StandardButton.Ok

    def question(parent, title, text, *args, **kwargs):
        log.append(("question", text))
        return log.answer

    monkeypatch.setattr(QMessageBox, "warning", staticmethod(warning))
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return log




@pytest.fixture
def window(qapp, qtbot, dialogs):
    apply_dark_theme(qapp)
    win = MainWindow(Document(sample_project()))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    win.activateWindow()
    win.timeline.view.setFocus()
    yield win
    dialogs.answer = QMessageBox.StandardButton.Discard
    win.close()
    win.preview.shutdown()
