"""Thumbnails and waveforms on the timeline's clips, made in the background."""

from fractions import Fraction as F

import numpy as np
import pytest

import capkit
from capkit.gui.document import Document
from capkit.gui.main_window import MainWindow
from capkit.gui.timeline.media_cache import column_peaks, time_step
from capkit.synth.audio import tone, write_audio


@pytest.fixture(scope="module")
def burst(tmp_path_factory):
    """Three seconds of sound: silence, a loud tone from 1 s to 2 s, silence."""
    samples = np.zeros((2, 3 * 48000), np.float32)
    samples[:, 48000:96000] = tone(440, 1.0, amplitude=0.8)
    return write_audio(tmp_path_factory.mktemp("burst") / "burst.wav", samples)


def _window(qtbot, project):
    win = MainWindow(Document(project))
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def test_pure_helpers():
    assert time_step(0.01) == F(1, 16)
    assert time_step(1.5) == 1 and time_step(5) == 4
    peaks = np.array([0, 0, 1, 0.5, 0], np.float32)
    out = column_peaks(peaks, np.array([0.0, 0.02, 0.03, 0.2]), np.array([0.02, 0.03, 0.05, 0.3]), 100)
    assert out.tolist() == [0, 1, 0.5, 0]


def test_video_clips_get_thumbnails_and_sound_a_waveform(qtbot, dialogs, media, burst, tmp_path):
    import cv2

    still_path = tmp_path / "still.png"
    cv2.imwrite(str(still_path), np.full((100, 100, 3), (20, 20, 230), np.uint8))  # red (BGR)
    project = capkit.new_project(1080, 1920, fps=30)
    video = capkit.add_media(project, media["scene"])
    still = capkit.add_media(project, still_path)
    sound = capkit.add_audio(project, burst, start=0)
    fast = capkit.add_audio(project, burst, start=0, speed=2)  # on a second audio track
    win = _window(qtbot, project)
    try:
        view = win.timeline.view
        view.set_pixels_per_second(200)
        cache = view.media
        clip = view.clips[video.id]
        slots = clip.thumb_slots()
        assert 3 <= len(slots) <= 12  # a few per clip, not one per pixel
        height = clip.thumb_height()

        def all_made():
            view.viewport().repaint()  # painting asks for what is missing; it never decodes
            return all(cache.has_thumbnail(video.source.path, t, height) for _, t in slots)

        qtbot.waitUntil(all_made, timeout=20_000)
        still_clip = view.clips[still.id]
        assert {t for _, t in still_clip.thumb_slots()} == {0}  # a picture is the same everywhere
        qtbot.waitUntil(lambda: view.viewport().repaint() or cache.has_thumbnail(still.source.path, F(0), height),
                        timeout=20_000)
        square = cache.thumbnail(still.source.path, F(0), height)
        assert square.width() == square.height() == height and square.pixelColor(5, 5).red() > 200
        qtbot.waitUntil(lambda: view.clips[sound.id].waveform() is not None, timeout=20_000)
        image = cache.thumbnail(video.source.path, slots[0][1], height)
        assert image.height() == height and image.width() > height  # a 16:9 frame at row height
        colour = image.pixelColor(image.width() // 2, image.height() // 2)
        assert colour.red() + colour.green() + colour.blue() > 60  # a picture, not black

        xs, levels = view.clips[sound.id].waveform()
        left = view.clips[sound.id].rect().left()
        seconds = (xs - left) / view.scale_.pixels_per_second
        loud = levels[(seconds > 1.1) & (seconds < 1.9)]
        quiet = levels[(seconds < 0.9) | (seconds > 2.1)]
        assert loud.min() > 0.5 and quiet.max() < 0.05
        xs, levels = view.clips[fast.id].waveform()  # twice the speed: the burst from 0.5 s to 1 s
        seconds = (xs - view.clips[fast.id].rect().left()) / view.scale_.pixels_per_second
        assert levels[(seconds > 0.55) & (seconds < 0.95)].min() > 0.5
        assert levels[(seconds < 0.45) | (seconds > 1.05)].max() < 0.05

        # Zooming in re-lays out from what is made: the old grid's times are still there.
        before = {t for _, t in slots}
        view.set_pixels_per_second(400)
        again = {t for _, t in view.clips[video.id].thumb_slots()}
        assert before & again
        image = view.grab().toImage()
        assert not image.isNull()
    finally:
        win.close()
        win.preview.shutdown()


def test_missing_media_is_marked_and_relinked_in_one_step(qtbot, dialogs, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from capkit.io import project_file
    from capkit.synth.video import write_video

    folder = tmp_path / "shoot"
    folder.mkdir()
    clip_path = write_video(folder / "orange.mp4", lambda n: np.full((90, 160, 3), (240, 140, 20), np.uint8),
                            fps=30, n_frames=30)
    project = capkit.new_project(360, 640, fps=30)
    video = capkit.add_media(project, clip_path)
    saved = project_file.save(project, tmp_path / "trip.capkit")
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    clip_path.rename(moved / "renamed.mp4")

    win = _window(qtbot, capkit.new_project(360, 640, fps=30))
    try:
        assert win.open_project(saved)
        bin_ = win.media_bin
        assert bin_.missing == [str(clip_path)]
        row = bin_.list.item(0)
        assert "missing" in row.text() and str(clip_path) in row.toolTip()
        assert win.timeline.view.clips[video.id].missing
        assert "missing" in win.statusBar().currentMessage()
        win.timeline.view.grab()  # the hatched clip paints

        monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(moved)))
        menu = bin_.context_menu()
        relink = next(a for a in menu.actions() if a.objectName() == "action-bin-relink")
        assert relink.isEnabled()
        relink.trigger()
        qtbot.waitUntil(lambda: not win.relinking, timeout=10_000)
        doc = win.document
        assert doc.project.find(video.id)[1].source.path == str((moved / "renamed.mp4").resolve())
        assert doc.history.undo_label() == "Relink media"
        assert not bin_.missing and not win.timeline.view.clips[video.id].missing
        preview = win.preview
        revision = doc.revision
        qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.revision == revision, timeout=10_000)
        colour = preview.image.pixelColor(preview.image.width() // 2, preview.image.height() // 2)
        assert colour.red() > 180 and colour.green() > 90  # the orange frame, not black
        doc.undo()  # one step back: missing again
        assert win.timeline.view.clips[video.id].missing and bin_.missing == [str(clip_path)]
        assert win.action_map["relink"].text() == "&Relink Media…"
    finally:
        win.close()
        win.preview.shutdown()


def test_a_video_with_sound_draws_its_waveform_along_its_foot(qtbot, dialogs, tmp_path):
    from capkit.synth.video import scene_pattern, write_video

    sound = np.zeros((2, 2 * 48000), np.float32)
    sound[:, 48000:] = tone(330, 1.0, amplitude=0.7)  # quiet first second, loud second
    path = write_video(tmp_path / "talk.mp4", lambda n: scene_pattern(160, 90, n, 30), fps=30, n_frames=60,
                       audio=sound)
    project = capkit.new_project(1080, 1920, fps=30)
    video = capkit.add_media(project, path)
    win = _window(qtbot, project)
    try:
        view = win.timeline.view
        view.set_pixels_per_second(100)
        view.clips[video.id].waveform()  # asks for the peaks
        qtbot.waitUntil(lambda: view.clips[video.id].waveform() is not None, timeout=20_000)
        xs, levels = view.clips[video.id].waveform()
        seconds = (xs - view.clips[video.id].rect().left()) / 100
        assert levels[seconds < 0.9].max() < 0.05 and levels[(seconds > 1.1) & (seconds < 1.9)].min() > 0.4
        assert not view.grab().toImage().isNull()
    finally:
        win.close()
        win.preview.shutdown()
