"""The timeline's maths and gesture-to-edit rules, without widgets."""

from fractions import Fraction as F

from gui_samples import sample_project

import capkit
from capkit.gui.timeline import commands
from capkit.gui.timeline.geometry import (
    TimeScale,
    row_at,
    row_of,
    ruler_step,
    snap_move,
    snap_points,
    snap_time,
)
from capkit.model.edits import SetTrack
from capkit.model.history import History


def test_time_and_pixels_round_trip_on_frames():
    scale = TimeScale(100.0, F(30))
    assert scale.x_of(F(3, 2)) == 150.0
    assert scale.time_at(150.0) == F(3, 2)
    assert scale.time_at(151.0) == F(3, 2)  # 1 px is less than half a frame at this zoom
    assert scale.time_at(-40) == 0
    assert scale.time_at(1000 / 3) * 30 % 1 == 0  # always a frame start


def test_rows_put_the_top_track_first():
    assert [row_of(i, 3) for i in range(3)] == [2, 1, 0]
    assert row_at(10, 3) is None  # the ruler
    assert row_at(30, 3) == 0
    assert row_at(10_000, 3) is None


def test_snapping_sticks_within_tolerance_only():
    points = [F(0), F(2), F(5)]
    assert snap_time(F(21, 10), points, F(1, 5)) == F(2)
    assert snap_time(F(25, 10), points, F(1, 5)) == F(25, 10)
    # A 1 s item dragged to 3.9 s: its end (4.9) is 0.1 from 5, its start 1.9 from 2: the end sticks.
    assert snap_move(F(39, 10), F(1), points, F(1, 5)) == F(4)
    assert snap_move(F(-1, 10), F(1), [], F(1, 5)) == 0


def test_snap_points_are_playhead_markers_and_other_edges():
    from capkit.model.project import Marker

    project = sample_project()
    project.markers.append(Marker(F(9, 2), "drop"))
    red = project.tracks[0].items[0]
    points = snap_points(project, F(7), ignore=[red.id])
    assert F(9, 2) in points and F(7) in points and F(3) in points and F(5) in points
    assert F(2) in points  # the text item ends at 2 as well


def test_ruler_steps_grow_with_zoom_out():
    assert ruler_step(1000.0, F(30)) < ruler_step(100.0, F(30)) < ruler_step(5.0, F(30))


def test_split_without_selection_takes_topmost_unlocked_track():
    project = sample_project()
    text_track = project.tracks[1]
    assert [i.id for i in commands.items_to_split(project, [], F(1))] == [text_track.items[0].id]
    History(project).do(SetTrack(text_track.id, "locked", True))
    assert [i.id for i in commands.items_to_split(project, [], F(1))] == [project.tracks[0].items[0].id]


def test_ripple_delete_of_two_items_keeps_the_rest_in_order():
    project = capkit.new_project(1080, 1920, fps=30)
    a = capkit.add_color(project, "#FF0000", start=0, duration=1)
    b = capkit.add_color(project, "#00FF00", start=1, duration=1)
    c = capkit.add_color(project, "#0000FF", start=2, duration=1)
    History(project).do(commands.delete(project, [a.id, b.id], ripple=True))
    assert [(i.id, i.start) for i in project.tracks[0].items] == [(c.id, 0)]


def test_trim_limits_stop_at_neighbours_and_media():
    project = sample_project()
    track = project.tracks[0]
    red, blue = track.items
    assert commands.trim_limits(track, red) == (0, F(3))
    assert commands.trim_limits(track, blue) == (F(2), None)


def test_moving_a_group_right_moves_the_rightmost_first():
    project = sample_project()
    red, blue = project.tracks[0].items
    edit = commands.move(project, [red.id, blue.id], F(1))
    History(project).do(edit)
    assert [i.start for i in project.tracks[0].items] == [1, 4]
