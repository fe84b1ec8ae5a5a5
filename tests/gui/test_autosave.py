"""Nothing lost: autosave while editing, recovery after a crash, saves that a kill cannot corrupt.

The crash tests run the editor in a child process (this file run as a script, offscreen), let it
edit and autosave, and kill it with SIGKILL: once after an autosave, once in the middle of saving
the project (its disk made slow so the kill lands inside the save). Then this process starts the
editor's recovery with the same data folder, restores from the dialog, and checks the project file.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from fractions import Fraction as F
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

FAST = {"interval": 0.2, "tick_ms": 100, "debounce_ms": 50}
N_ITEMS = 300  # a project file of about half a megabyte


def big_project(n: int = N_ITEMS):
    import capkit

    project = capkit.new_project(1080, 1920, fps=30, name="Big")
    for i in range(n):
        capkit.add_color(project, "#%06X" % (i * 7919 % 0xFFFFFF), start=i, duration=1)
    capkit.add_text(project, "original", start=0, duration=2)
    return project


def edit(document, j: int) -> None:
    """Edit ``j`` of the child: a new colour for clip j and the text says which edit came last."""
    from capkit.model.edits import SetProperty

    project = document.project
    document.apply(SetProperty(project.tracks[0].items[j].id, "color", "#ABCDEF"))
    document.apply(SetProperty(project.tracks_of("text")[0].items[0].id, "text", f"edit {j}"))


def child(path: str, mode: str) -> None:
    """Open the editor on ``path``, make three edits, wait for their autosave, then idle or save slowly."""
    from capkit.gui.app import application
    from capkit.gui.autosave import start_session
    from capkit.gui.main_window import MainWindow

    app = application()
    session, problem = start_session()
    assert session is not None, problem
    win = MainWindow(session=session, autosave=FAST)
    assert win.open_project(Path(path))
    win.show()
    for j in (1, 2, 3):
        edit(win.document, j)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        app.processEvents()
        last = win.autosave.last
        if last is not None and last.generation == win.autosave.generation:
            break
        time.sleep(0.01)
    print("autosaved", flush=True)
    if mode == "save":
        real_fsync = os.fsync

        def slow_fsync(fd):  # a slow disk: the kill lands while the new file waits to reach it
            print("fsync", flush=True)
            time.sleep(30)
            real_fsync(fd)

        os.fsync = slow_fsync
        edit(win.document, 4)
        win.save()
    while True:
        app.processEvents()
        time.sleep(0.01)


def run_and_kill(path: Path, data: Path, mode: str, kill_on: str) -> None:
    env = dict(os.environ, CAPKIT_DATA_DIR=str(data), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.Popen([sys.executable, __file__, str(path), mode], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line.strip()) for line in proc.stdout] + [lines.put(None)],
                     daemon=True).start()
    try:
        deadline = time.monotonic() + 90
        while True:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))  # queue.Empty: the child hung
            if line is None:
                pytest.fail(f"the child ended before printing {kill_on!r}")
            if line == kill_on:
                break
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def click_when_shown(button: str) -> None:
    """Answer the next modal dialog by clicking its ``button`` (by object name)."""
    from PySide6.QtWidgets import QPushButton

    def answer(tries=500):
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            if tries:
                QTimer.singleShot(20, lambda: answer(tries - 1))
            return
        dialog.findChild(QPushButton, button).click()

    QTimer.singleShot(0, answer)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv("CAPKIT_DATA_DIR", str(folder))
    return folder


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
@pytest.mark.parametrize("mode, kill_on", [("idle", "autosaved"), ("save", "fsync")])
def test_killed_editor_is_offered_back_and_the_file_stays_whole(qtbot, dialogs, tmp_path, data_dir, mode, kill_on):
    from capkit.gui.autosave import start_session
    from capkit.gui.main_window import MainWindow
    from capkit.gui.recovery_dialog import offer_recovery
    from capkit.io import backups, project_file

    path = tmp_path / "big.capkit"
    project_file.save(big_project(), path)
    original = path.read_bytes()
    run_and_kill(path, data_dir, mode, kill_on)

    # The file on disk is the last good one: a kill mid-save never leaves it half written.
    leftovers = list(tmp_path.glob(".big.capkit.*.tmp"))
    assert len(leftovers) == (1 if mode == "save" else 0)  # the save was caught before its rename
    assert path.read_bytes() == original
    assert project_file.load(path).tracks_of("text")[0].items[0].text == "original"

    # Start the editor again: the dialog offers the autosave, Restore opens the edits unsaved.
    session, _ = start_session()
    win = MainWindow(session=session, autosave=FAST)
    qtbot.addWidget(win)
    offers = backups.recoverable().backups
    assert [o.original for o in offers] == [path.resolve()] and offers[0].name == "Big"
    click_when_shown("restore")
    assert offer_recovery(win)
    doc = win.document
    assert doc.path == path.resolve() and doc.dirty and win.windowTitle() == "big * — capkit"
    assert doc.project.tracks_of("text")[0].items[0].text == "edit 3"
    assert [doc.project.tracks[0].items[j].color for j in (1, 2, 3)] == ["#ABCDEF"] * 3
    assert path.read_bytes() == original  # restoring opened the backup; saving is the user's call
    assert backups.recoverable().backups == []  # asked once

    # Saving writes the restored project; closing cleanly leaves nothing to recover next time.
    assert win.save()
    assert project_file.load(path).tracks_of("text")[0].items[0].text == "edit 3"
    win.close()
    assert not session.lock_path.exists()


def test_discard_forgets_the_crash_but_keeps_the_backups(qtbot, dialogs, tmp_path, data_dir):
    from capkit.gui.autosave import start_session
    from capkit.gui.main_window import MainWindow
    from capkit.gui.recovery_dialog import offer_recovery
    from capkit.io import backups, project_file

    path = tmp_path / "big.capkit"
    project_file.save(big_project(20), path)
    run_and_kill(path, data_dir, "idle", "autosaved")
    session, _ = start_session()
    win = MainWindow(session=session)
    qtbot.addWidget(win)
    click_when_shown("discard")
    assert not offer_recovery(win)
    assert win.document.path is None and backups.recoverable().backups == []
    key = backups.project_key(path)
    assert backups.list_backups(key).backups  # still there to restore by hand
    win.close()


def test_autosave_follows_edits_and_saves(qtbot, dialogs, tmp_path, data_dir):
    from gui_samples import sample_project

    from capkit.gui.autosave import start_session
    from capkit.gui.document import Document
    from capkit.gui.main_window import MainWindow
    from capkit.io import backups
    from capkit.model.edits import MoveItem

    session, _ = start_session()
    win = MainWindow(Document(sample_project()), session=session, autosave=FAST)
    qtbot.addWidget(win)
    win.show()
    doc, saver = win.document, win.autosave
    qtbot.wait(300)
    assert saver.last is None  # nothing changed: nothing written
    doc.apply(MoveItem(doc.project.tracks[0].items[1].id, F(6)))
    qtbot.waitUntil(lambda: saver.last is not None, timeout=5_000)
    assert saver.last.key.startswith("untitled-") and saver.last.items == 3
    assert win.autosave_label.text().startswith("autosaved ") and len(win.autosave_label.text()) == len("autosaved 18:28:14")
    assert backups.Backup.load(saver.last).tracks[0].items[1].start == 6
    # Saved: the file holds everything, so no backup until the next change.
    path = tmp_path / "saved.capkit"
    assert win.save_as(path)
    first = saver.last
    qtbot.wait(300)
    assert saver.last is first
    doc.apply(MoveItem(doc.project.tracks[0].items[1].id, F(7)))
    qtbot.waitUntil(lambda: saver.last is not first, timeout=5_000)
    assert saver.last.original == path.resolve()
    assert session.lock_path.exists()
    win.close()  # a clean close: the lock goes, so the next start offers nothing
    assert not session.lock_path.exists() and backups.recoverable().backups == []


def test_a_broken_project_is_reported_and_left_untouched(window, dialogs, tmp_path):
    bad = tmp_path / "broken.capkit"
    bad.write_bytes(b'{"format": "capkit.project", "format_version": 1, "project": {"tracks": [')
    before, mtime = bad.read_bytes(), bad.stat().st_mtime_ns
    assert not window.open_project(bad)
    assert dialogs[-1][0] == "warning" and "broken.capkit" in dialogs[-1][1]
    assert bad.read_bytes() == before and bad.stat().st_mtime_ns == mtime
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.capkit"]


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    child(sys.argv[1], sys.argv[2])
