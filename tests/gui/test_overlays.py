"""Over the preview: platform safe zones, the selected item's box, and moving/scaling by mouse."""

from fractions import Fraction as F

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from capkit.gui import overlays
from capkit.gui.preview import PLAYBACK_SCALE


def test_safe_zones_come_from_the_presets_scaled_to_the_canvas():
    tiktok = {z.label: z.rect for z in overlays.safe_zones("tiktok", (1080, 1920))}
    assert tiktok == {"TikTok: status and tabs": (0, 0, 1080, 150),
                      "TikTok: caption, name, music": (0, 1480, 1080, 440),
                      "TikTok: buttons": (930, 0, 150, 1920)}
    half = [z.rect for z in overlays.safe_zones("reels", (540, 960))]
    assert half[0] == (0, 0, 540, 135) and half[2] == (0, 0, 32.5, 960)
    assert len(overlays.safe_zones("shorts", (1080, 1920))) == 2


def test_hit_tells_corner_from_inside():
    rect = (100, 100, 200, 50)
    assert overlays.hit(rect, (103, 98), 8) == "scale"
    assert overlays.hit(rect, (200, 120), 8) == "move"
    assert overlays.hit(rect, (50, 50), 8) is None


def _wait_frame(qtbot, window, playing=False):
    preview, doc = window.preview, window.document
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.revision == doc.revision
                    and preview.shown.t == doc.playhead, timeout=10_000)


def _screen_point(preview, canvas_point) -> QPoint:
    r, k = preview.frame_rect(), preview.frame_rect().width() / preview.document.project.settings.width
    return QPoint(round(r.x() + canvas_point[0] * k), round(r.y() + canvas_point[1] * k))


def test_view_menu_draws_a_platforms_safe_zones(window, qtbot):
    preview = window.preview
    _wait_frame(qtbot, window)
    plain = preview.grab().toImage()
    window.action_map["safe_zone_tiktok"].trigger()
    assert preview.safe_zone == "tiktok"
    shot = preview.grab().toImage()
    top = _screen_point(preview, (540, 60))  # in the status band, on the red clip
    middle = _screen_point(preview, (540, 1200))
    before, after = plain.pixelColor(top), shot.pixelColor(top)
    assert after != before and after.green() > before.green()  # a light translucent band over the red
    assert shot.pixelColor(middle) == plain.pixelColor(middle)  # the safe middle is left alone
    window.action_map["safe_zone_none"].trigger()
    assert preview.safe_zone is None


def test_drag_moves_the_selected_text_as_one_undo_step(window, qtbot):
    preview, doc = window.preview, window.document
    text = doc.project.tracks_of("text")[0].items[0]
    _wait_frame(qtbot, window)
    # Clicking the text in the preview selects it and shows its box around the drawn words.
    centre = _screen_point(preview, (540, 960))
    qtbot.mouseClick(preview, Qt.MouseButton.LeftButton, pos=centre)
    assert doc.selection == {text.id}
    box = preview.bounds(text.id)
    assert box is not None and box[0] < 540 < box[0] + box[2] and box[1] < 960 < box[1] + box[3]
    assert 100 < box[2] < 1080 and box[3] < 400
    undo_steps = len(doc.history._undo)

    k = preview.frame_rect().width() / 1080
    target = centre + QPoint(round(108 * k), round(-192 * k))  # 10 % right, 10 % up
    qtbot.mousePress(preview, Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 5):
        qtbot.mouseMove(preview, centre + (target - centre) * step / 4)
    assert preview.drag is not None and preview.drag.mode == "move"
    qtbot.mouseRelease(preview, Qt.MouseButton.LeftButton, pos=target)
    moved = doc.project.find(text.id)[1].transform
    assert moved.x == pytest.approx(0.6, abs=0.01) and moved.y == pytest.approx(0.4, abs=0.01)
    assert len(doc.history._undo) == undo_steps + 1 and doc.history.undo_label() == "Move in preview"
    doc.undo()
    assert doc.project.find(text.id)[1].transform.x == 0.5


def test_dragging_a_corner_scales(window, qtbot):
    preview, doc = window.preview, window.document
    text = doc.project.tracks_of("text")[0].items[0]
    _wait_frame(qtbot, window)
    doc.select([text.id])
    x, y, w, h = preview.bounds(text.id)
    corner = _screen_point(preview, (x + w, y + h))
    cx, cy = x + w / 2, y + h / 2
    far = _screen_point(preview, (cx + w, cy + h))  # twice as far from the centre
    qtbot.mousePress(preview, Qt.MouseButton.LeftButton, pos=corner)
    assert preview.drag.mode == "scale"
    qtbot.mouseMove(preview, far)
    qtbot.mouseRelease(preview, Qt.MouseButton.LeftButton, pos=far)
    assert doc.project.find(text.id)[1].transform.scale == pytest.approx(2.0, rel=0.05)
    _wait_frame(qtbot, window)
    bigger = preview.bounds(text.id)
    assert bigger[2] == pytest.approx(2 * w, rel=0.1)  # the box follows what the engine draws


def test_clicking_a_clip_selects_it_and_empty_canvas_clears(window, qtbot):
    preview, doc = window.preview, window.document
    red = doc.project.tracks[0].items[0]
    _wait_frame(qtbot, window)
    qtbot.mouseClick(preview, Qt.MouseButton.LeftButton, pos=_screen_point(preview, (540, 1700)))
    assert doc.selection == {red.id}
    doc.set_playhead(F(5, 2))  # between the clips: nothing drawn
    qtbot.mouseClick(preview, Qt.MouseButton.LeftButton, pos=_screen_point(preview, (540, 1700)))
    assert doc.selection == frozenset()


def test_playback_renders_smaller_frames_and_pausing_renders_full_size(window, qtbot):
    preview = window.preview
    _wait_frame(qtbot, window)
    full = preview.render_size()
    assert preview.shown.width == full[0]
    window.playback.play()
    qtbot.waitUntil(lambda: preview.shown.width < full[0], timeout=5_000)
    assert preview.shown.width == pytest.approx(full[0] * PLAYBACK_SCALE, abs=2)
    # The smaller frame fills the same place on screen.
    shot = preview.grab().toImage()
    r = preview.frame_rect()
    inside = shot.pixelColor(QPointF(r.center().x(), r.bottom() - 20).toPoint())
    assert inside.red() > 150 or inside.blue() > 150
    window.playback.pause()
    qtbot.waitUntil(lambda: preview.shown.width == full[0], timeout=5_000)
