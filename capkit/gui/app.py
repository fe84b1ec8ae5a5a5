"""Starting the editor: the QApplication, the theme, the start screen and the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from capkit.gui.main_window import MainWindow
from capkit.gui.start_screen import StartScreen
from capkit.gui.theme import apply_dark_theme


def application() -> QApplication:
    """The running QApplication (made and themed on first use)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("capkit")
        app.setOrganizationName("capkit")
    apply_dark_theme(app)
    return app


def main(argv: list[str] | None = None) -> int:
    """Open the editor, on the project ``argv[0]`` if given, else on the start screen.

    ``argv`` holds the arguments only (no program name); None reads them from ``sys.argv``."""
    args = sys.argv[1:] if argv is None else list(argv)
    app = application()
    window = MainWindow()
    if args:
        if not window.open_project(Path(args[0])):
            window.preview.shutdown()
            return 2
    else:
        start = StartScreen()
        if not start.exec():
            window.preview.shutdown()
            return 0
        window.apply_start_choice(start)
    window.show()
    code = app.exec()
    window.preview.shutdown()
    return code
