"""The preview shows the engine's frames, follows the playhead and plays."""

from fractions import Fraction as F

from PySide6.QtCore import Qt

from capkit.gui.preview import fit_size


def _centre(image):
    """A point below the middle, where the sample's text does not reach."""
    return image.pixelColor(image.width() // 2, image.height() * 4 // 5)


def test_fit_size_keeps_the_canvas_aspect():
    assert fit_size((1080, 1920), (400, 400)) == (224, 400)
    assert fit_size((1080, 1920), (4000, 4000)) == (1080, 1920)
    assert fit_size((1920, 1080), (10, 10)) == (16, 16)


def test_preview_shows_the_coloured_clip_under_the_playhead(window, qtbot):
    preview = window.preview
    qtbot.waitUntil(lambda: preview.shown is not None and preview.shown.t == 0, timeout=10_000)
    red = _centre(preview.image)
    assert red.red() > 180 and red.green() < 80 and red.blue() < 80
    assert preview.image.width() <= preview.width() and preview.image.height() <= preview.height()
    window.document.set_playhead(F(4))
    qtbot.waitUntil(lambda: preview.shown.t == 4, timeout=10_000)
    blue = _centre(preview.image)
    assert blue.blue() > 180 and blue.red() < 80
    # What is on screen is that frame: grab the widget and look at its middle.
    shot = preview.grab().toImage()
    on_screen = shot.pixelColor(shot.width() // 2, shot.height() // 2)
    assert on_screen.blue() > 150 and on_screen.red() < 100


def test_preview_follows_edits(window, qtbot):
    preview, doc = window.preview, window.document
    main = doc.project.tracks[0]
    qtbot.waitUntil(lambda: preview.shown is not None, timeout=10_000)
    for attr in ("hidden",):
        window.timeline.headers.rows[main.id].buttons[attr].click()
    revision = doc.revision
    qtbot.waitUntil(lambda: preview.shown.revision == revision, timeout=10_000)
    assert _centre(preview.image).red() < 60  # the red clip's track is hidden: background shows


def test_space_plays_and_pauses(window, qtbot):
    doc, view = window.document, window.timeline.view
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert window.playback.playing
    qtbot.waitUntil(lambda: doc.playhead >= F(1, 5), timeout=5_000)
    qtbot.keyClick(view, Qt.Key.Key_Space)
    assert not window.playback.playing
    stopped = doc.playhead
    assert (stopped * doc.fps).denominator == 1  # on a frame
    qtbot.wait(100)
    assert doc.playhead == stopped


def test_j_k_l_shuttle(window, qtbot):
    doc, view = window.document, window.timeline.view
    doc.set_playhead(F(2))
    qtbot.keyClick(view, Qt.Key.Key_L)
    qtbot.keyClick(view, Qt.Key.Key_L)
    assert window.playback.rate == 2
    qtbot.keyClick(view, Qt.Key.Key_K)
    assert not window.playback.playing
    qtbot.keyClick(view, Qt.Key.Key_J)
    qtbot.waitUntil(lambda: doc.playhead < F(2), timeout=5_000)
    qtbot.keyClick(view, Qt.Key.Key_K)


def test_playback_stops_at_the_end(window, qtbot):
    doc = window.document
    doc.set_playhead(doc.project.duration - F(1, 10))
    window.playback.play()
    qtbot.waitUntil(lambda: not window.playback.playing, timeout=5_000)
    assert doc.playhead == doc.project.duration


def test_big_sources_get_proxies_for_quick_drafts_then_the_original_frame(qtbot, dialogs, tmp_path, monkeypatch):
    """A 1080p clip: the preview makes a 720p proxy in the background, draws drafts from it, and
    redraws from the original once the playhead rests; both show the same picture."""
    import numpy as np

    import capkit
    from capkit.gui.document import Document
    from capkit.gui.main_window import MainWindow
    from capkit.gui.proxies import proxy_path
    from capkit.synth.video import scene_pattern, write_video

    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path / "cache"))
    src = write_video(tmp_path / "big.mp4", lambda n: scene_pattern(1920, 1080, n, 30), fps=30, n_frames=20, gop=10)
    project = capkit.new_project(1080, 1920, fps=30)
    capkit.add_media(project, src, fit="fill")
    win = MainWindow(Document(project))
    qtbot.addWidget(win)
    win.resize(1000, 800)
    win.show()
    preview = win.preview
    with qtbot.waitSignal(preview.proxies.made, timeout=30_000):
        pass
    assert preview.proxies.ready == {str(src): str(proxy_path(src))}
    drafts, finals = [], []
    preview.worker.frame_ready.connect(lambda image, req: (drafts if req.draft else finals).append((image, req)))
    win.document.set_playhead(F(13, 30))
    qtbot.waitUntil(lambda: bool(finals) and finals[-1][1].t == F(13, 30), timeout=10_000)
    draft = next(image for image, req in drafts if req.t == F(13, 30))
    final = finals[-1][0]
    assert preview.shown.proxy_set == 0 and (draft.width(), draft.height()) == (final.width(), final.height())

    def pixels(image):
        ptr = image.constBits()
        return np.frombuffer(ptr, np.uint8, image.sizeInBytes()).reshape(image.height(), image.bytesPerLine())

    assert np.abs(pixels(draft).astype(int) - pixels(final)).mean() < 6
    win.close()
    preview.shutdown()
