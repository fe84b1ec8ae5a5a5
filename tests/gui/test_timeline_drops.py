"""Dragging text presets, filters and sounds from the panels onto the timeline, and the track
headers' menu (add, remove, move, rename tracks)."""

from fractions import Fraction as F

import panel_support
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QInputDialog

from capkit.gui.panels.filters import ID_ROLE
from capkit.gui.panels.sounds import SoundEntry
from capkit.model.items import AudioClip, FilterItem, TextItem

panels, sound_cache = panel_support.panels, panel_support.sound_cache

# Qt 6 offers only the QPoint constructors of drag events, which PySide marks deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _drop(widget, data, pos: QPoint):
    """What a drag from a panel does: enter, move over the widget, let go."""
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDragMoveEvent(pos, *args))
    event = QDropEvent(QPointF(pos), *args)
    QApplication.sendEvent(widget, event)
    assert event.isAccepted()


def _at(view, t, track_id):
    return QPoint(round(view.x_of(t)), round(view.track_y(track_id)))


def test_a_text_preset_dropped_on_the_text_track_lands_there_in_one_step(window, panels):
    doc, view = window.document, window.timeline.view
    text = doc.project.tracks[1]
    panel = panels["text"]
    data = panel.list.mimeData([panel.list.item(1)])  # what dragging the "Subtitle" row carries
    _drop(view.viewport(), data, _at(view, F(3), text.id))
    (item_id,) = doc.selection
    track, item = doc.project.find(item_id)
    assert isinstance(item, TextItem) and item.start == 3 and track.id == text.id
    assert item.text == "A line to explain it"
    assert doc.history.undo_label() == "Add subtitle"
    doc.undo()
    assert all(i.id != item_id for i in doc.project.items())
    assert not doc.history.can_undo  # the drop was one step


def test_a_filter_dropped_on_a_clip_covers_that_clip(window, panels):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    blue = main.items[1]  # 3-5 s
    panel = panels["filters"]
    row = next(panel.list.item(i) for i in range(panel.list.count()))
    data = panel.list.mimeData([row])
    _drop(view.viewport(), data, _at(view, F(4), main.id))
    filters = [i for i in doc.project.items() if isinstance(i, FilterItem)]
    assert len(filters) == 1
    assert (filters[0].start, filters[0].end) == (blue.start, blue.end)
    assert filters[0].filter.filter_id == row.data(ID_ROLE)
    doc.undo()
    assert not any(isinstance(i, FilterItem) for i in doc.project.items()) and not doc.history.can_undo


def test_a_sound_dropped_on_the_timeline_starts_at_the_drop(window, panels, media, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    panel = panels["sounds"]
    from PySide6.QtWidgets import QListWidgetItem

    row = QListWidgetItem("tone")
    row.setData(Qt.ItemDataRole.UserRole, SoundEntry(media["tone"], "tone", "effect", F(3, 2)))
    panel.list.addItem(row)
    data = panel.list.mimeData([row])
    _drop(view.viewport(), data, _at(view, F(2), main.id))
    (item_id,) = doc.selection
    track, item = doc.project.find(item_id)
    assert isinstance(item, AudioClip) and item.start == 2 and track.kind == "audio" and item.role == "effect"
    doc.undo()
    assert not doc.project.tracks_of("audio")  # the new track went with it: one step
    qtbot.waitUntil(lambda: not panel.busy, timeout=60_000)  # no library job outlives the test



def _action(header, name):
    menu = header.menu()
    for action in menu.actions() + [a for m in menu.findChildren(type(menu)) for a in m.actions()]:
        if action.objectName() == name:
            return action
    raise AssertionError(f"no action {name}")


def test_track_menu_adds_moves_renames_and_removes_tracks(window, dialogs, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    doc = window.document
    headers = window.timeline.headers
    main, text = doc.project.tracks
    _action(headers.rows[main.id], "track-add-above-audio").trigger()
    kinds = [t.kind for t in doc.project.tracks]
    assert kinds == ["video", "audio", "text"] and doc.project.tracks[1].name == "Audio 1"
    assert doc.history.undo_label() == "Add track"
    added = doc.project.tracks[1].id
    _action(headers.rows[main.id], "track-add-below-caption").trigger()
    assert [t.kind for t in doc.project.tracks] == ["caption", "video", "audio", "text"]
    doc.undo()

    assert not _action(headers.rows[text.id], "track-move-up").isEnabled()  # the top track
    _action(headers.rows[added], "track-move-up").trigger()
    assert [t.id for t in doc.project.tracks] == [main.id, text.id, added]
    assert doc.history.undo_label() == "Reorder tracks"
    doc.undo()
    assert [t.id for t in doc.project.tracks] == [main.id, added, text.id]

    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("Voice-over", True)))
    _action(headers.rows[added], "track-rename").trigger()
    assert doc.project.tracks[1].name == "Voice-over"

    _action(headers.rows[added], "track-remove").trigger()  # empty: no question
    assert added not in {t.id for t in doc.project.tracks} and not dialogs

    dialogs.answer = QMessageBox.StandardButton.No
    _action(headers.rows[main.id], "track-remove").trigger()  # two clips: asks, and No keeps it
    assert dialogs[-1][0] == "question" and main.id in {t.id for t in doc.project.tracks}
    dialogs.answer = QMessageBox.StandardButton.Yes
    _action(headers.rows[main.id], "track-remove").trigger()
    assert [t.id for t in doc.project.tracks] == [text.id]
    doc.undo()
    assert [t.id for t in doc.project.tracks] == [main.id, text.id] and len(main.items) == 2
