"""Starting the editor: the QApplication, the theme, the autosave session, crash recovery, the
start screen and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from capkit.gui import gc_policy
from capkit.gui.autosave import start_session
from capkit.gui.main_window import MainWindow
from capkit.gui.recovery_dialog import offer_recovery
from capkit.gui.start_screen import StartScreen
from capkit.gui.theme import apply_dark_theme


def application() -> QApplication:
    """The running QApplication (made and themed on first use)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("capkit")
        app.setDesktopFileName("io.github.capkit.Capkit")  # the .desktop file: icon and name on Wayland
        app.setOrganizationName("capkit")
    apply_dark_theme(app)
    gc_policy.install(app)  # cycles are collected on this thread only (see gc_policy)
    return app


def _leave(window: MainWindow) -> None:
    """Quit before the window was shown: stop its threads, end the session cleanly."""
    window.preview.shutdown()
    window.audio.shutdown()
    if window.autosave is not None:
        window.autosave.close()


def main(argv: list[str] | None = None) -> int:
    """Open the editor, on the project ``argv[0]`` if given, else on the start screen.

    First the autosave session starts; if an editor crashed before, the recovery dialog offers
    its autosaved work, and a restored project opens instead of the one asked for.
    ``argv`` holds the arguments only (no program name); None reads them from ``sys.argv``."""
    args = sys.argv[1:] if argv is None else list(argv)
    app = application()
    session, problem = start_session()
    window = MainWindow(session=session)
    if problem:
        window.statusBar().showMessage(f"Autosave is off: {problem}")
    restored = session is not None and offer_recovery(window)
    if not restored:
        if args:
            if not window.open_project(Path(args[0])):
                _leave(window)
                return 2
        else:
            start = StartScreen()
            if not start.exec():
                _leave(window)
                return 0
            window.apply_start_choice(start)
    window.show()
    code = app.exec()
    window.preview.shutdown()
    return code
