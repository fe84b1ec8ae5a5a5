"""The editor's look: Qt's Fusion style with a dark palette and a few finishing touches."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

ACCENT = "#4c8dff"

_ROLES = {
    QPalette.ColorRole.Window: "#26282d",
    QPalette.ColorRole.WindowText: "#dfe2e8",
    QPalette.ColorRole.Base: "#1d1f23",
    QPalette.ColorRole.AlternateBase: "#26282d",
    QPalette.ColorRole.ToolTipBase: "#2f3238",
    QPalette.ColorRole.ToolTipText: "#dfe2e8",
    QPalette.ColorRole.PlaceholderText: "#7d828c",
    QPalette.ColorRole.Text: "#dfe2e8",
    QPalette.ColorRole.Button: "#30333a",
    QPalette.ColorRole.ButtonText: "#dfe2e8",
    QPalette.ColorRole.BrightText: "#ff6b6b",
    QPalette.ColorRole.Link: ACCENT,
    QPalette.ColorRole.Highlight: ACCENT,
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Light: "#3a3d44",
    QPalette.ColorRole.Midlight: "#33363c",
    QPalette.ColorRole.Mid: "#2a2c31",
    QPalette.ColorRole.Dark: "#18191c",
    QPalette.ColorRole.Shadow: "#0e0f10",
}

STYLE_SHEET = f"""
QMainWindow::separator {{ background: #18191c; width: 4px; height: 4px; }}
QDockWidget {{ color: #c4c8d0; }}
QDockWidget::title {{ background: #1f2024; padding: 5px 8px; }}
QToolBar {{ background: #222428; border: none; border-bottom: 1px solid #18191c; spacing: 2px; padding: 2px; }}
QToolButton {{ padding: 4px 7px; border-radius: 4px; }}
QToolButton:hover {{ background: #363a42; }}
QToolButton:checked {{ background: #3d4f73; }}
QStatusBar {{ background: #1f2024; color: #9aa0aa; }}
QListWidget {{ border: none; }}
QListWidget::item:selected {{ background: #34466b; }}
QPushButton {{ padding: 5px 14px; }}
QPushButton:default {{ border: 1px solid {ACCENT}; }}
"""


def apply_dark_theme(app: QApplication) -> None:
    app.setStyle(QStyleFactory.create("Fusion"))
    palette = QPalette()
    for role, color in _ROLES.items():
        palette.setColor(role, QColor(color))
    disabled = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText, QPalette.ColorRole.WindowText):
        palette.setColor(disabled, role, QColor("#6b6f78"))
    app.setPalette(palette)
    app.setStyleSheet(STYLE_SHEET)
