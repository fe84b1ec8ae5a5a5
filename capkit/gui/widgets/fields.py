"""Value fields that commit once per finished change (see :mod:`capkit.gui.widgets`)."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QToolButton,
    QWidget,
)

from capkit.model.color import rgba

SLIDER_STEPS = 1000


class _SpinBox(QDoubleSpinBox):
    stepped = Signal()

    def stepBy(self, steps: int) -> None:
        super().stepBy(steps)
        self.stepped.emit()


class NumberField(QWidget):
    """A number: a spin box, with a slider beside it when the range is finite and ``slider``."""

    committed = Signal(object)

    def __init__(self, minimum: float, maximum: float, *, decimals: int = 2, step: float = 0.1,
                 slider: bool = False, integer: bool = False, suffix: str = "", parent=None) -> None:
        super().__init__(parent)
        self.integer = integer
        self._value: float | None = None
        self.spin = _SpinBox(self)
        self.spin.setRange(minimum, maximum)
        self.spin.setDecimals(0 if integer else decimals)
        self.spin.setSingleStep(1 if integer else step)
        self.spin.setKeyboardTracking(False)
        self.spin.setAccelerated(True)
        if suffix:
            self.spin.setSuffix(suffix)
        self.spin.editingFinished.connect(self._finish)
        self.spin.stepped.connect(self._finish)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.slider: QSlider | None = None
        if slider and math.isfinite(minimum) and math.isfinite(maximum) and maximum > minimum:
            self.slider = QSlider(Qt.Orientation.Horizontal, self)
            self.slider.setRange(0, SLIDER_STEPS)
            self.slider.valueChanged.connect(self._slid)
            self.slider.sliderReleased.connect(self._finish_slider)
            layout.addWidget(self.slider, 1)
            self.spin.setFixedWidth(76 + self.spin.fontMetrics().horizontalAdvance(suffix))
        layout.addWidget(self.spin, 0 if self.slider else 1)

    def value(self) -> float:
        return int(self.spin.value()) if self.integer else self.spin.value()

    def set_value(self, value: float) -> None:
        self._value = float(value)
        self.spin.blockSignals(True)
        self.spin.setValue(float(value))
        self.spin.blockSignals(False)
        self._sync_slider()

    def _sync_slider(self) -> None:
        if self.slider is None:
            return
        lo, hi = self.spin.minimum(), self.spin.maximum()
        self.slider.blockSignals(True)
        self.slider.setValue(round((self.spin.value() - lo) / (hi - lo) * SLIDER_STEPS))
        self.slider.blockSignals(False)

    def _slid(self, position: int) -> None:
        lo, hi = self.spin.minimum(), self.spin.maximum()
        self.spin.blockSignals(True)
        self.spin.setValue(lo + (hi - lo) * position / SLIDER_STEPS)
        self.spin.blockSignals(False)
        if not self.slider.isSliderDown():  # a click on the groove or a key: finished at once
            self._finish()

    def _finish_slider(self) -> None:
        self._finish()

    def _finish(self) -> None:
        value = self.value()
        self._sync_slider()
        if self._value is None or abs(value - self._value) > 1e-9:
            self._value = float(value)
            self.committed.emit(value)


class ColorButton(QPushButton):
    """A swatch that opens the colour dialog; ``alpha`` lets the user pick transparency too."""

    committed = Signal(str)

    def __init__(self, *, alpha: bool = False, parent=None) -> None:
        super().__init__(parent)
        self.alpha = alpha
        self._color = "#000000"
        self.setMinimumWidth(90)
        self.clicked.connect(self.choose)

    def value(self) -> str:
        return self._color

    def set_value(self, color: str) -> None:
        self._color = color
        r, g, b, _ = rgba(color)
        ink = "#000000" if (r * 299 + g * 587 + b * 114) / 1000 > 140 else "#FFFFFF"
        self.setText(color.upper())
        self.setStyleSheet(f"QPushButton {{ background: rgb({r},{g},{b}); color: {ink}; border: 1px solid #555; }}")

    def choose(self) -> None:
        r, g, b, a = rgba(self._color)
        options = QColorDialog.ColorDialogOption.ShowAlphaChannel if self.alpha else QColorDialog.ColorDialogOption(0)
        picked = QColorDialog.getColor(QColor(r, g, b, a), self, "Choose a colour", options)
        if not picked.isValid():
            return
        text = f"#{picked.red():02X}{picked.green():02X}{picked.blue():02X}"
        if self.alpha and picked.alpha() < 255:
            text += f"{picked.alpha():02X}"
        if text != self._color.upper():
            self.set_value(text)
            self.committed.emit(text)


class ChoiceField(QComboBox):
    """One of ``choices`` (value, shown text) pairs; commits when the user picks another."""

    committed = Signal(object)

    def __init__(self, choices, parent=None) -> None:
        super().__init__(parent)
        for choice in choices:
            value, text = choice if isinstance(choice, tuple) else (choice, str(choice).replace("_", " "))
            self.addItem(text, value)
        self.activated.connect(self._picked)
        self._value = None

    def value(self):
        return self.currentData()

    def set_value(self, value) -> None:
        self._value = value
        index = self.findData(value)
        self.blockSignals(True)
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)

    def _picked(self, index: int) -> None:
        value = self.itemData(index)
        if value != self._value:
            self._value = value
            self.committed.emit(value)


class CheckField(QCheckBox):
    committed = Signal(object)

    def __init__(self, text: str = "", parent=None) -> None:
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)  # a click beside it is no click
        self.clicked.connect(lambda checked: self.committed.emit(bool(checked)))

    def value(self) -> bool:
        return self.isChecked()

    def set_value(self, value: bool) -> None:
        self.blockSignals(True)
        self.setChecked(bool(value))
        self.blockSignals(False)


class TextField(QLineEdit):
    """One line of text, committed on Enter or when focus leaves."""

    committed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._value = ""
        self.editingFinished.connect(self._finish)

    def value(self) -> str:
        return self.text()

    def set_value(self, value: str) -> None:
        self._value = value
        if not self.hasFocus() or self.text() == value:
            self.setText(value)

    def _finish(self) -> None:
        if self.text() != self._value:
            self._value = self.text()
            self.committed.emit(self._value)


class TextBoxField(QPlainTextEdit):
    """Text of several lines: Ctrl+Enter or leaving the box commits; Escape puts it back."""

    committed = Signal(object)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._value = ""
        self.setTabChangesFocus(True)
        self.setFixedHeight(64)

    def value(self) -> str:
        return self.toPlainText()

    def set_value(self, value: str) -> None:
        self._value = value
        if not self.hasFocus() and self.toPlainText() != value:
            self.setPlainText(value)

    def commit(self) -> None:
        text = self.toPlainText()
        if text != self._value:
            self._value = text
            self.committed.emit(text)

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.commit()
            return
        if event.matches(QKeySequence.StandardKey.Cancel):
            self.setPlainText(self._value)
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event) -> None:
        super().focusOutEvent(event)
        self.commit()


class PathField(QWidget):
    """A file path: typed, or chosen with the Browse button."""

    committed = Signal(object)

    def __init__(self, file_filter: str = "All files (*)", parent=None) -> None:
        super().__init__(parent)
        self.file_filter = file_filter
        self.line = TextField(self)
        self.line.committed.connect(self.committed)
        browse = QPushButton("…", self)
        browse.setFixedWidth(32)
        browse.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line, 1)
        layout.addWidget(browse)

    def value(self) -> str:
        return self.line.text()

    def set_value(self, value: str) -> None:
        self.line.set_value(str(value))

    def browse(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose a file", "", self.file_filter)
        if name:
            self.line.setText(name)
            self.line._finish()


class KeyframeButton(QToolButton):
    """◆ when the property has a keyframe at the playhead; clicking adds or removes it."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setCheckable(True)
        self.setText("◆")
        self.setAutoRaise(True)
        self.setToolTip("Add or remove a keyframe at the playhead")
        self.setStyleSheet("QToolButton { color: #6b6f78; } QToolButton:checked { color: #ffc000; background: none; }")

    def set_state(self, on: bool, animated: bool, enabled: bool) -> None:
        self.blockSignals(True)
        self.setChecked(on)
        self.blockSignals(False)
        self.setEnabled(enabled)
        self.setText("◆" if on or animated else "◇")
