"""The start screen: recent projects to reopen, or a new project from a canvas preset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from capkit.gui.recent import recent_projects


@dataclass(frozen=True)
class Preset:
    name: str
    width: int
    height: int
    use: str


PRESETS = (
    Preset("9:16", 1080, 1920, "TikTok, Reels, Shorts"),
    Preset("1:1", 1080, 1080, "Square feed posts"),
    Preset("4:5", 1080, 1350, "Portrait feed posts"),
    Preset("16:9", 1920, 1080, "YouTube, landscape"),
)


class StartScreen(QDialog):
    """Accepted with either :attr:`open_path` or :attr:`preset` set."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("start-screen")
        self.setWindowTitle("capkit")
        self.resize(720, 420)
        self.open_path: Path | None = None
        self.preset: Preset | None = None

        recent = QWidget(self)
        left = QVBoxLayout(recent)
        left.addWidget(QLabel("<h3>Recent projects</h3>"))
        self.recent_list = QListWidget(self)
        self.recent_list.setObjectName("recent-projects")
        for path in recent_projects():
            row = QListWidgetItem(f"{path.stem}\n{path.parent}")
            row.setData(Qt.ItemDataRole.UserRole, str(path))
            self.recent_list.addItem(row)
        if not self.recent_list.count():
            self.recent_list.addItem("No recent projects yet")
            self.recent_list.setEnabled(False)
        self.recent_list.itemActivated.connect(self._open_recent)
        left.addWidget(self.recent_list, 1)
        browse = QPushButton("Open project…", self)
        browse.clicked.connect(self._browse)
        left.addWidget(browse)

        presets = QWidget(self)
        right = QVBoxLayout(presets)
        right.addWidget(QLabel("<h3>New project</h3>"))
        grid = QGridLayout()
        self.preset_buttons: dict[str, QPushButton] = {}
        for n, preset in enumerate(PRESETS):
            button = QPushButton(f"{preset.name}\n{preset.width} × {preset.height}\n{preset.use}", self)
            button.setObjectName(f"preset-{preset.name}")
            button.setMinimumSize(150, 84)
            button.clicked.connect(lambda _=False, p=preset: self._choose(p))
            grid.addWidget(button, n // 2, n % 2)
            self.preset_buttons[preset.name] = button
        right.addLayout(grid)
        right.addStretch(1)

        layout = QHBoxLayout(self)
        layout.addWidget(recent, 1)
        layout.addWidget(presets, 1)

    def _choose(self, preset: Preset) -> None:
        self.preset = preset
        self.accept()

    def _open_recent(self, row: QListWidgetItem) -> None:
        path = row.data(Qt.ItemDataRole.UserRole)
        if path:
            self.open_path = Path(path)
            self.accept()

    def _browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Open project", "", "capkit projects (*.capkit)")
        if name:
            self.open_path = Path(name)
            self.accept()
