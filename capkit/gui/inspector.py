"""The inspector: the selected item's properties, edited in place.

What is shown depends on the item: where it sits (transform), how it plays (speed, volume, fades),
what a text says and how it looks, and each filter's parameters, whose fields are made from the
filter's parameter schema (:mod:`capkit.gui.widgets.params`). Every finished change is one edit
through :meth:`Document.try_apply`, so it is one undo step and a refused value is reported, not
raised. A property that can be animated has a keyframe button (◆): it adds or removes a keyframe
at the playhead, and once a property has keyframes, changing its value sets the keyframe at the
playhead instead of the still value.

The form is rebuilt only when the selection or the shape of the item changes (an outline switched
on, a filter removed); otherwise edits, undo and playhead moves update the fields in place, so a
field being typed in keeps its focus.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from capkit.errors import CapkitError, EditError
from capkit.gui.document import Document
from capkit.gui.timeline.clip_item import item_label
from capkit.gui.widgets import (
    CheckField,
    ChoiceField,
    ColorButton,
    KeyframeButton,
    NumberField,
    TextBoxField,
    TextField,
    param_field,
)
from capkit.model.caption_edits import SetCaptionText
from capkit.model.caption_items import CaptionItem
from capkit.model.edits import (
    Edit,
    RemoveKeyframe,
    SetKeyframe,
    SetProperty,
    SetSettings,
    SetSpeed,
    _keyframe_table,
)
from capkit.model.items import (
    ALIGNMENTS,
    ANIMATIONS,
    FIT_MODES,
    Animation,
    AudioClip,
    ColorClip,
    FilterItem,
    Item,
    Shadow,
    SourcedClip,
    Stroke,
    TextBox,
    TextItem,
    VisualItem,
)
from capkit.model.keyframes import Keyframe, evaluate
from capkit.model.time import format_timecode

LABEL_WIDTH = 92


def get_path(obj, path: str):
    """The value at a dotted path, or None when an optional part on the way is empty."""
    for name in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, name)
    return obj


@dataclass
class Row:
    """One property in the form: how to read it, how a new value becomes an edit, and its field."""

    label: str
    read: Callable[[Item], object]
    write: Callable[[Item, object], Edit]
    field: QWidget
    keyframe: str | None = None  # the property's name for SetKeyframe, when it can be animated
    button: KeyframeButton | None = None


def _animation_kind(item, name: str):
    value = getattr(item, name)
    return None if value is None else value.kind


def _set_animation(item, name: str, kind) -> Edit:
    old = getattr(item, name)
    new = None if kind is None else Animation(kind, old.duration if old is not None else Fraction(1, 2))
    return SetProperty(item.id, name, new)


class Inspector(QWidget):
    def __init__(self, document: Document, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector")
        self.document = document
        self.fields: list[Row] = []
        self._shape: tuple | None = None
        self.title = QLabel(self)
        self.title.setWordWrap(True)
        self.info = QLabel(self)
        self.info.setObjectName("inspector-info")
        self.info.setWordWrap(True)
        self.info.setStyleSheet("color: #9aa0aa;")
        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addWidget(self.scroll, 1)
        document.selection_changed.connect(self.refresh)
        document.changed.connect(self.refresh)
        document.playhead_changed.connect(self.refresh)
        self.refresh()

    # --- what is selected ---------------------------------------------------------------------

    def item(self) -> Item | None:
        chosen = [i for i in self.document.project.items() if i.id in self.document.selection]
        return chosen[0] if len(chosen) == 1 else None

    def _shape_of(self, item: Item | None) -> tuple:
        doc = self.document
        if item is None:
            return ("project", len(doc.selection))
        parts: list = [item.id, type(item)]
        for path in ("style.stroke", "style.shadow", "style.box", "filter"):
            try:
                parts.append(get_path(item, path) is None)
            except AttributeError:
                parts.append("-")
        parts.append(tuple(f.filter_id for f in getattr(item, "filters", [])))
        if isinstance(item, FilterItem):
            parts.append(item.filter.filter_id)
        if isinstance(item, AudioClip):
            parts.append(item.role)
        return tuple(parts)

    # --- building ----------------------------------------------------------------------------

    def refresh(self, *_) -> None:
        item = self.item()
        shape = self._shape_of(item)
        if shape != self._shape:
            self._shape = shape
            self._build(item)
        self._show_values(item)

    def _build(self, item: Item | None) -> None:
        self.fields = []
        host = QWidget()
        self._layout = QVBoxLayout(host)
        self._layout.setContentsMargins(0, 4, 0, 0)
        self._layout.setSpacing(6)
        self._form: QFormLayout | None = None
        if item is None and not self.document.selection:
            self._project_rows()
        elif item is not None:
            self._item_rows(item)
        self._layout.addStretch(1)
        self.scroll.setWidget(host)

    def section(self, title: str, extra: QWidget | None = None) -> QFormLayout:
        header = QHBoxLayout()
        label = QLabel(f"<b>{title}</b>")
        label.setStyleSheet("color: #c4c8d0; padding-top: 6px;")
        header.addWidget(label, 1)
        if extra is not None:
            header.addWidget(extra)
        self._layout.addLayout(header)
        self._form = QFormLayout()
        self._form.setContentsMargins(4, 0, 0, 0)
        self._form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._layout.addLayout(self._form)
        return self._form

    def add(self, label: str, field: QWidget, read, write, keyframe: str | None = None,
            name: str | None = None) -> Row:
        row = Row(label, read, write, field, keyframe)
        field.setObjectName(f"inspector-{name or label.lower().replace(' ', '-')}")
        field.committed.connect(lambda value, r=row: self.commit(r, value))
        if keyframe is not None or isinstance(field, NumberField):
            line = QHBoxLayout()
            line.setContentsMargins(0, 0, 0, 0)
            line.addWidget(field, 1)
            if keyframe is not None:
                row.button = KeyframeButton()
                row.button.setObjectName(f"keyframe-{keyframe}")
                row.button.clicked.connect(lambda on, r=row: self.toggle_keyframe(r, on))
                line.addWidget(row.button)
            else:  # numbers line up whether or not they can be animated
                line.addSpacing(KeyframeButton().sizeHint().width() + line.spacing())
            self._form.addRow(self._label(label), line)
        else:
            self._form.addRow(self._label(label), field)
        self.fields.append(row)
        return row

    @staticmethod
    def _label(text: str) -> QLabel:
        label = QLabel(text)
        label.setFixedWidth(LABEL_WIDTH)  # one column of labels across the sections
        return label

    def prop(self, label: str, path: str, field: QWidget, keyframe: str | None = None) -> Row:
        """A property set by dotted path (``style.color``)."""
        return self.add(label, field, lambda item: get_path(item, path),
                        lambda item, value: SetProperty(item.id, path, value), keyframe,
                        name=path.replace(".", "-"))

    def toggle(self, label: str, path: str, make) -> Row:
        """An optional part (an outline, a box): on sets a fresh one, off removes it."""
        return self.add(label, CheckField(), lambda item: get_path(item, path) is not None,
                        lambda item, on: SetProperty(item.id, path, make() if on else None),
                        name=path.replace(".", "-") + "-on")

    def _project_rows(self) -> None:
        doc = self.document
        form = self.section("Canvas")
        s = doc.project.settings
        form.addRow(self._label("Canvas"), QLabel(f"{s.width} × {s.height}"))
        form.addRow(self._label("Frame rate"), QLabel(f"{float(s.fps):g} fps"))
        self.add("Background", ColorButton(), lambda _: doc.project.settings.background,
                 lambda _, color: SetSettings({"background": color}))

    def _item_rows(self, item: Item) -> None:
        self.section("Item")
        self.prop("Name", "name", TextField())
        if isinstance(item, TextItem):
            self._text_rows()
        if isinstance(item, CaptionItem):
            self._caption_rows()
        if isinstance(item, ColorClip):
            self.section("Colour")
            self.prop("Colour", "color", ColorButton())
        if isinstance(item, VisualItem):
            self._transform_rows(item)
        if isinstance(item, SourcedClip):
            self._sound_rows(item)
        for index, ref in enumerate(getattr(item, "filters", [])):
            self._filter_rows(item, index, ref)
        if isinstance(item, FilterItem):
            self._filter_rows(item, None, item.filter)

    def _text_rows(self) -> None:
        self.section("Text")
        self.prop("Text", "text", TextBoxField())
        self.prop("Font", "style.font", TextField())
        self.prop("Size", "style.size", NumberField(1, 2000, decimals=0, step=2))
        self.prop("Colour", "style.color", ColorButton())
        self.prop("Bold", "style.bold", CheckField())
        self.prop("Italic", "style.italic", CheckField())
        self.prop("Align", "style.align", ChoiceField(ALIGNMENTS))
        self.prop("Wrap width", "style.max_width", NumberField(0.05, 10, decimals=2, step=0.05))
        item = self.item()
        self.toggle("Outline", "style.stroke", Stroke)
        if item.style.stroke is not None:
            self.prop("Outline colour", "style.stroke.color", ColorButton())
            self.prop("Outline width", "style.stroke.width", NumberField(0, 200, decimals=1, step=1))
        self.toggle("Shadow", "style.shadow", Shadow)
        if item.style.shadow is not None:
            self.prop("Shadow colour", "style.shadow.color", ColorButton(alpha=True))
        self.toggle("Box", "style.box", TextBox)
        if item.style.box is not None:
            self.prop("Box colour", "style.box.color", ColorButton(alpha=True))
            self.prop("Box padding", "style.box.padding", NumberField(0, 500, decimals=0, step=2))
        for label, name in (("Animation in", "animation_in"), ("Animation out", "animation_out")):
            self.add(label, ChoiceField([(None, "none"), *ANIMATIONS]), lambda it, n=name: _animation_kind(it, n),
                     lambda it, kind, n=name: _set_animation(it, n, kind), name=name)

    def _caption_rows(self) -> None:
        from capkit.io import caption_styles

        self.section("Caption")
        self.add("Text", TextBoxField(), lambda item: item.text,
                 lambda item, text: SetCaptionText(item.id, text), name="caption-text")
        self.add("Style", ChoiceField(caption_styles.names()), lambda item: item.style.name,
                 lambda item, name: SetProperty(item.id, "style", self._caption_style(name)), name="caption-style")
        self.prop("Size", "style.text.size", NumberField(1, 2000, decimals=0, step=2))
        self.prop("Colour", "style.text.color", ColorButton())

    def _caption_style(self, name: str):
        from capkit.api import _caption_style

        return _caption_style(self.document.project, name)

    def _transform_rows(self, item: VisualItem) -> None:
        self.section("Transform")
        self.prop("X", "transform.x", NumberField(-10, 10, decimals=3, step=0.01), keyframe="x")
        self.prop("Y", "transform.y", NumberField(-10, 10, decimals=3, step=0.01), keyframe="y")
        self.prop("Scale", "transform.scale", NumberField(0.01, 100, decimals=2, step=0.05), keyframe="scale")
        self.prop("Rotation", "transform.rotation", NumberField(-36000, 36000, decimals=1, step=1, suffix="°"),
                  keyframe="rotation")
        self.prop("Opacity", "transform.opacity", NumberField(0, 1, decimals=2, step=0.05, slider=True),
                  keyframe="opacity")
        if not isinstance(item, (TextItem, CaptionItem)):
            self.prop("Fit", "transform.fit", ChoiceField(FIT_MODES))

    def _sound_rows(self, item: SourcedClip) -> None:
        self.section("Speed and sound")
        self.add("Speed", NumberField(0.1, 10, decimals=2, step=0.25, suffix="×"), lambda it: float(it.speed),
                 lambda it, value: SetSpeed(it.id, Fraction(value).limit_denominator(1000)), name="speed")
        self.prop("Volume", "volume_db", NumberField(-100, 24, decimals=1, step=1, suffix=" dB", slider=True),
                  keyframe="volume_db")
        self.prop("Mute", "muted", CheckField())
        self.add("Fade in", NumberField(0, 600, decimals=2, step=0.1, suffix=" s"), lambda it: float(it.fade_in),
                 lambda it, v: SetProperty(it.id, "fade_in", v), name="fade_in")
        self.add("Fade out", NumberField(0, 600, decimals=2, step=0.1, suffix=" s"), lambda it: float(it.fade_out),
                 lambda it, v: SetProperty(it.id, "fade_out", v), name="fade_out")
        self.prop("Keep pitch", "preserve_pitch", CheckField())
        if isinstance(item, AudioClip):
            self.prop("Role", "role", ChoiceField(("music", "effect", "voice")))
            if item.role == "music":
                self.prop("Duck under voice", "duck_db", NumberField(-60, 0, decimals=1, step=1, suffix=" dB"))

    def _filter_rows(self, item: Item, index: int | None, ref) -> None:
        from capkit.fx import registry
        from capkit.render import plan  # noqa: F401  (lets the registry find installed packs' filters)

        remove = None
        if index is not None:
            remove = QPushButton("Remove")
            remove.setObjectName(f"remove-filter-{index}")
            remove.clicked.connect(lambda _=False, i=index: self.remove_filter(i))
        try:
            spec = registry.get(ref.filter_id)
        except CapkitError as err:
            self.section(f"Filter: {ref.filter_id}", remove)
            self._form.addRow(QLabel(str(err)))
            return
        self.section(f"Filter: {spec.name}", remove)
        owner = "filter" if index is None else f"filters[{index}]"

        def ref_of(it: Item):
            return it.filter if index is None else it.filters[index]

        def write_ref(it: Item, change) -> Edit:
            if index is None:
                new = copy.deepcopy(it.filter)
                change(new)
                return SetProperty(it.id, "filter", new)
            refs = copy.deepcopy(it.filters)
            change(refs[index])
            return SetProperty(it.id, "filters", refs)

        self.add("Intensity", NumberField(0, 1, decimals=2, step=0.05, slider=True),
                 lambda it: ref_of(it).intensity,
                 lambda it, v: write_ref(it, lambda r: setattr(r, "intensity", v)), name=f"{owner}-intensity")
        for p in spec.params:
            animatable = p.animatable and p.kind == "float"

            def setter(value, name=p.name):
                return lambda r: r.params.__setitem__(name, value)

            self.add(p.name.replace("_", " ").capitalize(), param_field(p),
                     lambda it, name=p.name, default=p.default: ref_of(it).params.get(name, default),
                     lambda it, v, s=setter: write_ref(it, s(v)),
                     keyframe=f"{owner}.{p.name}" if animatable else None, name=f"{owner}-{p.name}")

    # --- values ------------------------------------------------------------------------------

    def _local_time(self, item: Item) -> tuple[Fraction, bool]:
        t = self.document.playhead - item.start
        return t, 0 <= t <= item.duration

    def _keys(self, item: Item, prop: str) -> list[Keyframe]:
        try:
            table, key = _keyframe_table(item, prop, "Keyframe")
        except EditError:
            return []
        return table.get(key, [])

    def shown_value(self, row: Row, item: Item | None):
        base = row.read(item)
        if item is None or row.keyframe is None:
            return base
        keys = self._keys(item, row.keyframe)
        if not keys:
            return base
        t, _ = self._local_time(item)
        return evaluate(keys, min(max(t, Fraction(0)), item.duration), float(base))

    def _show_values(self, item: Item | None) -> None:
        doc = self.document
        fps = doc.fps
        if item is None:
            count = len(doc.selection)
            self.title.setText("<b>Project</b>" if not count else f"<b>{count} items selected</b>")
            self.info.setText(f"Duration {format_timecode(doc.project.duration, fps)} · "
                              f"{len(doc.project.tracks)} tracks")
        else:
            track, _ = doc.project.find(item.id)
            self.title.setText(f"<b>{type(item).SCHEMA}</b> · {item_label(item)}")
            self.info.setText(f"{track.name or track.kind} · {format_timecode(item.start, fps)} → "
                              f"{format_timecode(item.end, fps)} ({format_timecode(item.duration, fps)})")
        for row in self.fields:
            try:
                value = self.shown_value(row, item)
            except (AttributeError, IndexError):  # the form is about to be rebuilt
                continue
            row.field.set_value(value)
            if row.button is not None:
                t, inside = self._local_time(item)
                keys = self._keys(item, row.keyframe)
                row.button.set_state(any(k.time == t for k in keys), bool(keys), inside)

    # --- edits -------------------------------------------------------------------------------

    def commit(self, row: Row, value) -> bool:
        item = self.item()
        try:
            edit = self._edit_for(row, item, value)
        except CapkitError as err:
            self.document.failed.emit(str(err))
            edit = None
        ok = edit is not None and self.document.try_apply(edit)
        if not ok:
            self._show_values(self.item())  # put the field back to the value the item has
        return ok

    def _edit_for(self, row: Row, item: Item | None, value) -> Edit:
        if item is not None and row.keyframe is not None and self._keys(item, row.keyframe):
            t, inside = self._local_time(item)
            if not inside:
                raise EditError(f"{row.label} is animated: move the playhead over the item to set its value there")
            return SetKeyframe(item.id, row.keyframe, Keyframe(t, float(value)))
        return row.write(item, value)

    def toggle_keyframe(self, row: Row, on: bool) -> bool:
        item = self.item()
        if item is None:
            return False
        t, _ = self._local_time(item)
        if on:
            edit: Edit = SetKeyframe(item.id, row.keyframe, Keyframe(t, float(self.shown_value(row, item))))
        else:
            edit = RemoveKeyframe(item.id, row.keyframe, t)
        ok = self.document.try_apply(edit)
        if not ok:
            self._show_values(item)
        return ok

    def remove_filter(self, index: int) -> bool:
        item = self.item()
        refs = [r for i, r in enumerate(item.filters) if i != index]
        return self.document.try_apply(SetProperty(item.id, "filters", copy.deepcopy(refs)))

    def rows(self) -> list[tuple[str, str]]:
        """What the inspector shows, as (label, text) pairs: where the item sits, then each field."""
        doc = self.document
        item = self.item()
        fps = doc.fps
        if item is None:
            s = doc.project.settings
            if doc.selection:
                return [("Selected", f"{len(doc.selection)} items")]
            return [("Canvas", f"{s.width} × {s.height}"), ("Frame rate", f"{float(fps):g} fps"),
                    ("Duration", format_timecode(doc.project.duration, fps)), ("Tracks", str(len(doc.project.tracks))),
                    ("Background", s.background)]
        track, _ = doc.project.find(item.id)
        out = [("Type", type(item).SCHEMA), ("Name", item_label(item)), ("Track", track.name or track.kind),
               ("Start", format_timecode(item.start, fps)), ("Duration", format_timecode(item.duration, fps)),
               ("End", format_timecode(item.end, fps))]
        for row in self.fields:
            if row.label != "Name":
                value = self.shown_value(row, item)
                out.append((row.label, f"{value:g}" if isinstance(value, float) else str(value)))
        return out

    def row(self, name: str) -> Row:
        """The row whose field has object name ``inspector-<name>`` (for tests and scripting)."""
        for row in self.fields:
            if row.field.objectName() == f"inspector-{name}":
                return row
        raise KeyError(name)
