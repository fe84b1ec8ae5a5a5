"""The frozen app's one entry script, built twice by capkit.spec: as ``capkit`` (console) and as
``capkit-gui`` (windowed on Windows and macOS). The executable's own name picks the program:

* ``capkit ...``            the command line (capkit.cli.app.main); ``capkit gui`` opens the editor
* ``capkit-gui [FILE]``     the desktop editor, on a .capkit project if one is given
* ``capkit-gui --smoke-test [FILE]``  open the main window (on FILE or the demo project), wait for
  the preview's first frame, close it and exit 0; exit 1 if no frame came within 120 s. Used by
  packaging/smoke-test.sh with QT_QPA_PLATFORM=offscreen, so a frozen build is checked end to end
  (Qt plugins, PyAV, fonts, resources) without a display.
"""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path


def _smoke_test(args: list[str]) -> int:
    import tempfile
    import time

    from PySide6.QtWidgets import QApplication

    from capkit import api
    from capkit.gui.app import application
    from capkit.gui.main_window import MainWindow

    app = application()
    with tempfile.TemporaryDirectory(prefix="capkit-smoke-") as tmp:
        if args:
            path = Path(args[0])
        else:
            from capkit.demo import build_demo

            path = Path(tmp) / "demo.capkit"
            api.save(build_demo(), path)
        window = MainWindow()
        if not window.open_project(path):
            print(f"smoke test: could not open {path}", file=sys.stderr)
            return 1
        shown: list[int] = []
        window.preview.frame_shown.connect(lambda: shown.append(1))
        window.show()
        deadline = time.monotonic() + 120
        while not shown and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        title = window.windowTitle()
        window.close()  # the opened project is unchanged, so no save prompt
        window.preview.shutdown()
        window.audio.shutdown()
        app.processEvents()
    if not shown:
        print("smoke test: the preview showed no frame within 120 s", file=sys.stderr)
        return 1
    print(f"smoke test: window {title!r} showed a frame and closed "
          f"(platform {QApplication.platformName()})")
    return 0


def main() -> int:
    multiprocessing.freeze_support()
    name = Path(sys.executable).stem.lower()
    if name == "capkit-gui":
        args = sys.argv[1:]
        if args[:1] == ["--smoke-test"]:
            return _smoke_test(args[1:])
        from capkit.gui.app import main as gui_main

        return gui_main(args)
    from capkit.cli.app import main as cli_main

    cli_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
