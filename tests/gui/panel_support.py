"""Fixtures for the inspector and panel tests (import: ``from panel_support import ...``):
the window with the panels installed, sound and data folders of the test's own, and helpers
that act as the user would."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog

from capkit.gui.panels import install_panels


@pytest.fixture(scope="session")
def sound_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("sound-cache")


@pytest.fixture
def panels(window, monkeypatch, tmp_path, sound_cache):
    """``window`` with the panels docked (what MainWindow will do itself); the panels by name."""
    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(sound_cache))
    monkeypatch.setenv("CAPKIT_DATA_DIR", str(tmp_path / "data"))
    install_panels(window)
    return window.panels


@pytest.fixture
def pick_colour(monkeypatch):
    """The colour dialog answers with the colour the test sets: ``pick_colour.value = "#FF0000"``."""

    class Pick:
        value = "#FFFFFF"
        asked = 0

    def get_color(initial, parent=None, title="", options=None):
        Pick.asked += 1
        return QColor(Pick.value)

    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(get_color))
    return Pick


def show_dock(window, name: str) -> None:
    dock = window.panel_docks[name]
    dock.show()
    dock.raise_()


def type_into(qtbot, spin, text: str) -> None:
    """Select what a spin box holds, type ``text`` and press Enter, as a user would."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def double_click_row(qtbot, view, row: int) -> None:
    rect = view.visualItemRect(view.item(row))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
