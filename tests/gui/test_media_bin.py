"""The media bin: import by path and by drop, background thumbnails, adding clips to the timeline."""

from fractions import Fraction as F

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

# Qt 6 offers only the QPoint constructors of drag events, which PySide marks deprecated.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _drop(widget, paths, pos: QPoint):
    """What the file manager does: drag files in, move over the widget, let go."""
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(pos, *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(widget, QDragMoveEvent(pos, *args))
    event = QDropEvent(QPointF(pos), *args)
    QApplication.sendEvent(widget, event)
    assert event.isAccepted()
    return event


def test_import_by_path_fills_in_duration_and_thumbnail(window, qtbot, media):
    bin_ = window.media_bin
    bin_.import_files([media["scene"], media["tone"]])
    assert bin_.list.count() == 2
    qtbot.waitUntil(lambda: all(e.ready for e in bin_.entries.values()), timeout=10_000)
    scene = bin_.entries[str(media["scene"].resolve())]
    assert (scene.kind, scene.duration) == ("video", 2)
    assert scene.thumbnail is not None and not scene.thumbnail.isNull()
    pixel = scene.thumbnail.pixelColor(scene.thumbnail.width() // 2, scene.thumbnail.height() // 2)
    assert pixel.red() + pixel.green() + pixel.blue() > 60  # a picture, not black
    sound = bin_.entries[str(media["tone"].resolve())]
    assert (sound.kind, sound.duration, sound.thumbnail) == ("audio", F(3, 2), None)
    assert "0:02.000" in bin_.list.item(0).text()
    bin_.import_files([media["scene"]])
    assert bin_.list.count() == 2  # the same file once


def test_files_dropped_from_the_file_manager_are_imported(window, qtbot, media):
    bin_ = window.media_bin
    _drop(bin_.list.viewport(), [media["green"]], QPoint(20, 20))
    assert list(bin_.entries) == [str(media["green"].resolve())]
    qtbot.waitUntil(lambda: not bin_.busy, timeout=10_000)


def test_unusable_files_are_marked_not_raised(window, qtbot, tmp_path):
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video")
    window.media_bin.import_files([junk])
    qtbot.waitUntil(lambda: not window.media_bin.busy, timeout=10_000)
    entry = window.media_bin.entries[str(junk.resolve())]
    assert entry.error and "cannot be used" in window.media_bin.list.item(0).text()


def test_double_click_adds_the_clip_at_the_end_of_the_main_track(window, qtbot, media):
    doc = window.document
    bin_ = window.media_bin
    bin_.import_files([media["green"]])
    qtbot.waitUntil(lambda: not bin_.busy, timeout=10_000)
    rect = bin_.list.visualItemRect(bin_.list.item(0))
    # A double click is a click followed by QTest's double-click event.
    qtbot.mouseClick(bin_.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(bin_.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    main = doc.project.tracks[0]
    clip = main.items[-1]
    assert (type(clip).__name__, clip.start, clip.duration) == ("VideoClip", 5, 1)
    assert doc.history.undo_label() == "Add"
    doc.undo()
    assert len(main.items) == 2


def test_dropping_media_on_the_timeline_adds_it_there_in_one_step(window, qtbot, media):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    _drop(view.viewport(), [media["green"]], QPoint(round(view.x_of(F(6))), round(view.track_y(main.id))))
    clip = main.items[-1]
    assert (clip.start, clip.source.path) == (6, str(media["green"].resolve()))
    _drop(view.viewport(), [media["tone"]], QPoint(round(view.x_of(F(1))), round(view.track_y(main.id))))
    audio = doc.project.tracks_of("audio")[0]  # sound made its own track, in the same step
    assert audio.items[0].start == 1
    doc.undo()
    assert not doc.project.tracks_of("audio")
    qtbot.waitUntil(lambda: not window.media_bin.busy, timeout=10_000)


def test_entries_drag_out_as_file_urls(window, qtbot, media):
    """What the timeline receives when an entry is dragged onto it (see the drop test above)."""
    bin_ = window.media_bin
    bin_.import_files([media["green"]])
    data = bin_.list.mimeData([bin_.list.item(0)])
    assert [u.toLocalFile() for u in data.urls()] == [str(media["green"].resolve())]
    qtbot.waitUntil(lambda: not bin_.busy, timeout=10_000)
