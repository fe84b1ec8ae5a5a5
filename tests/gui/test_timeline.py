"""Timeline gestures driven with the mouse and keyboard on the real view."""

from fractions import Fraction as F

from PySide6.QtCore import QPoint, Qt

from capkit.io import project_file


def _point(view, t, track_id, dx=0):
    return QPoint(round(view.x_of(t)) + dx, round(view.track_y(track_id)))


def drag(qtbot, view, start: QPoint, end: QPoint, modifier=Qt.KeyboardModifier.NoModifier):
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, modifier, start)
    steps = 6
    for k in range(1, steps + 1):
        qtbot.mouseMove(viewport, start + (end - start) * k / steps)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, modifier, end)


def test_drag_moves_a_clip_as_one_undo_step(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    red = main.items[0]
    before = project_file.dumps(doc.project)
    # Grab the red clip (0-2 s) in its middle and drop it 5.5 s later: 5.5-7.5 s, past the blue clip.
    drag(qtbot, view, _point(view, F(1), main.id), _point(view, F(13, 2), main.id))
    assert doc.project.find(red.id)[1].start == F(11, 2)
    assert doc.selection == {red.id}
    assert doc.history.undo_label() == "Move"
    doc.undo()
    assert project_file.dumps(doc.project) == before
    assert not doc.history.can_undo
    doc.redo()
    assert doc.project.find(red.id)[1].start == F(11, 2)


def test_drag_snaps_to_the_next_clip(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    red = main.items[0]
    # Red (0-2) dragged right by 0.95 s: its end lands 0.05 s before the blue clip at 3 s and sticks.
    drag(qtbot, view, _point(view, F(1), main.id), _point(view, F(1), main.id, dx=round(view.scale_.pixels_per_second * 0.95)))
    assert doc.project.find(red.id)[1].end == 3


def test_drag_to_a_track_that_cannot_take_it_stays_on_its_own(window, qtbot):
    doc, view = window.document, window.timeline.view
    main, text = doc.project.tracks
    red = main.items[0]
    drag(qtbot, view, _point(view, F(1), main.id), _point(view, F(6), text.id))
    track, item = doc.project.find(red.id)
    assert track.id == main.id and item.start == 5


def test_trim_the_end_with_its_handle(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    red = main.items[0]
    handle = _point(view, F(2), main.id, dx=-2)
    drag(qtbot, view, handle, _point(view, F(3, 2), main.id))
    assert doc.project.find(red.id)[1].end == F(3, 2)
    assert doc.history.undo_label() == "Trim"


def test_trim_the_start_with_its_handle(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    blue = main.items[1]
    drag(qtbot, view, _point(view, F(3), main.id, dx=2), _point(view, F(7, 2), main.id))
    item = doc.project.find(blue.id)[1]
    assert (item.start, item.end) == (F(7, 2), F(5))


def test_split_with_s_then_undo_and_redo_restore_exact_projects(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    before = project_file.dumps(doc.project)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, F(1), main.id))  # select red
    doc.set_playhead(F(1, 2))
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert [(i.start, i.end) for i in main.items] == [(0, F(1, 2)), (F(1, 2), 2), (3, 5)]
    assert len(doc.project.tracks[1].items) == 1  # the text above was not selected
    after = project_file.dumps(doc.project)
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert project_file.dumps(doc.project) == before
    qtbot.keyClick(view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert project_file.dumps(doc.project) == after


def test_split_with_nothing_selected_cuts_the_top_track(window, qtbot):
    doc, view = window.document, window.timeline.view
    doc.set_playhead(F(1))
    qtbot.keyClick(view, Qt.Key.Key_S)
    assert len(doc.project.tracks[1].items) == 2 and len(doc.project.tracks[0].items) == 2


def test_ripple_delete_closes_the_gap(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    red, blue = main.items
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, F(1), main.id))
    qtbot.keyClick(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert [(i.id, i.start) for i in main.items] == [(blue.id, 1)]
    doc.undo()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, F(4), main.id))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [i.id for i in main.items] == [red.id]


def test_ctrl_click_selects_several_and_delete_removes_them_in_one_step(window, qtbot):
    doc, view = window.document, window.timeline.view
    main, text = doc.project.tracks
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=_point(view, F(1), main.id))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier,
                     _point(view, F(4), main.id))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     _point(view, F(1), text.id))
    assert len(doc.selection) == 3
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert list(doc.project.items()) == []
    doc.undo()
    assert len(list(doc.project.items())) == 3


def test_locked_track_cannot_be_moved(window, qtbot):
    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    red = main.items[0]
    lock = window.timeline.headers.findChild(type(window.timeline.headers.rows[main.id].buttons["locked"]), f"locked-{main.id}")
    qtbot.mouseClick(lock, Qt.MouseButton.LeftButton)
    assert main.locked and doc.history.undo_label() == "Change track"
    drag(qtbot, view, _point(view, F(1), main.id), _point(view, F(6), main.id))
    assert doc.project.find(red.id)[1].start == 0
    assert doc.history.undo_label() == "Change track"
    doc.undo()
    assert not main.locked


def test_ruler_click_and_drag_scrubs(window, qtbot):
    doc, view = window.document, window.timeline.view
    viewport = view.viewport()
    y = 10
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x_of(F(1))), y))
    assert doc.playhead == 1
    qtbot.mouseMove(viewport, QPoint(round(view.x_of(F(2))), y))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=QPoint(round(view.x_of(F(2))), y))
    assert doc.playhead == 2
    assert not doc.history.can_undo


def test_arrows_step_frames_and_zoom_keys(window, qtbot):
    doc, view = window.document, window.timeline.view
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert doc.playhead == F(1, 30)
    pps = view.scale_.pixels_per_second
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.scale_.pixels_per_second > pps
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.scale_.pixels_per_second < pps


def test_tracks_of_unknown_kinds_get_a_row_and_header(qtbot):
    from gui_samples import sample_project

    from capkit.gui.document import Document
    from capkit.gui.timeline import TimelineWidget
    from capkit.model.project import Track

    project = sample_project()
    project.tracks.append(Track(kind="caption", name="Captions"))  # a kind this version does not know
    timeline = TimelineWidget(Document(project))
    qtbot.addWidget(timeline)
    header = timeline.headers.rows[project.tracks[-1].id]
    from PySide6.QtWidgets import QLabel

    assert "Captions" in header.findChild(QLabel).text()
    assert timeline.view.track_y(project.tracks[-1].id) < timeline.view.track_y(project.tracks[0].id)


def test_drag_onto_another_video_track(window, qtbot):
    from capkit.model.edits import AddTrack

    doc, view = window.document, window.timeline.view
    main = doc.project.tracks[0]
    red = main.items[0]
    upper = AddTrack("video", name="Video 2")
    doc.apply(upper)
    drag(qtbot, view, _point(view, F(1), main.id), _point(view, F(1), upper.track_id))
    track, item = doc.project.find(red.id)
    assert (track.id, item.start) == (upper.track_id, 0)
    assert doc.history.undo_label() == "Move"
    doc.undo()
    assert doc.project.find(red.id)[0].id == main.id


def test_ctrl_wheel_zooms_around_the_cursor(window, qtbot):
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    view = window.timeline.view
    before = view.scale_.pixels_per_second
    at = QPointF(view.x_of(F(2)), view.track_y(window.document.project.tracks[0].id))
    event = QWheelEvent(at, view.viewport().mapToGlobal(at), QPoint(0, 0), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.scale_.pixels_per_second > before
    assert abs(view.x_of(F(2)) - at.x()) <= 2  # the time under the cursor stayed under it


def test_dragging_a_multi_selection_moves_all_in_one_step(window, qtbot):
    doc, view = window.document, window.timeline.view
    main, text = doc.project.tracks
    red, blue = main.items
    hello = text.items[0]
    doc.select([red.id, blue.id, hello.id])
    drag(qtbot, view, _point(view, F(4), main.id), _point(view, F(5), main.id))
    assert [doc.project.find(i)[1].start for i in (red.id, blue.id, hello.id)] == [1, 4, 1]
    assert doc.history.undo_label() == "Move"
    doc.undo()
    assert [doc.project.find(i)[1].start for i in (red.id, blue.id, hello.id)] == [0, 3, 0]


def test_trimming_a_video_clip_stops_at_the_end_of_its_media(window, qtbot, media, dialogs):
    doc, view = window.document, window.timeline.view
    window.add_media(media["green"], start=F(6))  # 1 s of media
    main = doc.project.tracks[0]
    clip = main.items[-1]
    drag(qtbot, view, _point(view, F(7), main.id, dx=-2), _point(view, F(9), main.id))
    assert doc.project.find(clip.id)[1].end == 7  # held at the media's end, no error shown
    assert not dialogs
    drag(qtbot, view, _point(view, F(7), main.id, dx=-2), _point(view, F(13, 2), main.id))
    assert doc.project.find(clip.id)[1].end == F(13, 2)
