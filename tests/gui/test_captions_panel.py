"""The captions panel: a real transcription (progress, result as one undo step, a second run
cancelled without a trace), and the caption list: text, start and end edited in place, and the
whole track restyled at once."""

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import panel_support
import pytest
from panel_support import show_dock
from PySide6.QtCore import Qt

import capkit
from capkit.model.captions import Cue, Word

# the fixtures of panel_support, taken into this module
panels, pick_colour, sound_cache = panel_support.panels, panel_support.pick_colour, panel_support.sound_cache

SPEECH = Path(__file__).resolve().parents[1] / "captions" / "fixtures" / "sentences_1.wav"


def edit_cell(qtbot, table, row: int, col: int, text: str) -> None:
    """Double-click a cell, type over it and press Enter."""
    table.scrollToItem(table.item(row, col))
    rect = table.visualItemRect(table.item(row, col))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = table.viewport().focusWidget() or table.focusWidget()
    editor.selectAll()
    qtbot.keyClicks(editor, text)
    with qtbot.waitSignal(table.itemChanged, timeout=2_000):  # the view hands the text over just after
        qtbot.keyClick(editor, Qt.Key.Key_Return)


@pytest.fixture
def captioned(window):
    """The sample project with three captions on a caption track."""
    doc = window.document
    project = doc.project
    cues = [Cue(F(0), F(1), "hello there", (Word("hello", F(0), F(1, 2)), Word("there", F(1, 2), F(1)))),
            Cue(F(1), F(2), "how are you"), Cue(F(3), F(4), "fine thanks")]
    capkit.add_captions(project, cues, style="bold-outline")
    doc.replace(project)
    return doc.project.tracks_of("caption")[0]


def test_the_caption_list_edits_text_timing_and_style(window, panels, qtbot, captioned, dialogs):
    doc = window.document
    show_dock(window, "captions")
    panel = panels["captions"]
    table = panel.table
    assert table.rowCount() == 3
    assert [table.item(r, 2).text() for r in range(3)] == ["hello there", "how are you", "fine thanks"]
    assert table.item(2, 0).text() == "3.000"

    edit_cell(qtbot, table, 0, 2, "Hello there!")
    first = captioned.items[0]
    assert first.text == "Hello there!" and [w.start for w in first.words] == [0, F(1, 2)]  # timing kept
    assert doc.history.undo_label() == "Caption text"

    edit_cell(qtbot, table, 2, 0, "2.5")  # move the last caption earlier
    assert (captioned.items[2].start, captioned.items[2].end) == (F(5, 2), F(7, 2))
    assert doc.history.undo_label() == "Shift"
    edit_cell(qtbot, table, 2, 1, "4")  # and make it end later
    assert captioned.items[2].end == 4

    edit_cell(qtbot, table, 2, 0, "1.5")  # onto the caption before: refused, said and put back
    assert dialogs and "overlap" in dialogs[-1][1]
    assert captioned.items[2].start == F(5, 2) and table.item(2, 0).text() == "2.500"
    edit_cell(qtbot, table, 1, 1, "soon")
    assert "not a time" in dialogs[-1][1] and table.item(1, 1).text() == "2.000"

    steps = doc.history.undo_label()
    panel.restyle_box.setCurrentText("karaoke")
    panel.restyle_box.activated.emit(panel.restyle_box.currentIndex())  # what choosing it does
    assert {i.style.name for i in captioned.items} == {"karaoke"}
    doc.undo()
    assert {i.style.name for i in doc.project.tracks_of("caption")[0].items} == {"bold-outline"}
    assert doc.history.undo_label() == steps


def test_choosing_a_caption_row_selects_it_and_moves_the_playhead(window, panels, qtbot, captioned):
    panel = panels["captions"]
    show_dock(window, "captions")
    rect = panel.table.visualItemRect(panel.table.item(2, 2))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.document.selection == {captioned.items[2].id}
    assert window.document.playhead == 3
    assert window.inspector.row("caption-text").field.value() == "fine thanks"


@pytest.fixture(scope="module")
def talking_clip(tmp_path_factory):
    """A small plain video whose sound is the spoken fixture sentence."""
    from capkit.media.audio import read_all
    from capkit.synth.video import write_video

    audio = read_all(SPEECH, sample_rate=48000, channels=2)
    n = int(audio.shape[1] / 48000 * 30)
    frame = np.full((320, 180, 3), (30, 60, 90), np.uint8)
    path = tmp_path_factory.mktemp("talk") / "talk.mp4"
    return write_video(path, lambda i: frame, fps=30, n_frames=n, audio=audio[:, : n * 1600])


@pytest.mark.slow
def test_captions_from_the_real_model_then_a_cancelled_run(window, panels, qtbot, talking_clip, dialogs):
    doc = window.document
    doc.replace(capkit.new_project(540, 960, name="Talk"))
    assert window.add_media(talking_clip)
    show_dock(window, "captions")
    panel = panels["captions"]
    assert panel.model.currentData() == "tiny.en"
    panel.layout_box.setCurrentIndex(panel.layout_box.findData("word"))
    panel.style_box.setCurrentText("karaoke")
    progress: list[float] = []
    panel.current_run = None
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.running and not panel.run_button.isEnabled() and panel.cancel_button.isEnabled()
    assert panel.progress.isVisible()
    panel.current_run.progressed.connect(lambda f, stage: progress.append(f))
    with qtbot.waitSignal(panel.run_finished, timeout=180_000) as finished:
        pass
    assert finished.args == ["done"], dialogs
    (track,) = doc.project.tracks_of("caption")
    text = " ".join(i.text for i in track.items).lower()
    assert "weather" in text
    assert all(len(i.words) <= 3 for i in track.items) and track.items[0].style.name == "karaoke"
    assert progress and progress[-1] == pytest.approx(1.0)
    assert panel.table.rowCount() == len(track.items)
    assert doc.history.undo_label() == "Add captions"
    assert panel.run_button.isEnabled() and not panel.progress.isVisible()

    revision, before = doc.revision, doc.snapshot()
    qtbot.mouseClick(panel.run_button, Qt.MouseButton.LeftButton)
    assert panel.running
    with qtbot.waitSignal(panel.run_finished, timeout=60_000) as finished:
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert finished.args == ["cancelled"]
    assert doc.revision == revision and doc.snapshot() == before
    assert len(doc.project.tracks_of("caption")) == 1
    assert panel.run_button.isEnabled() and not panel.cancel_button.isEnabled() and not panel.running
    assert "nothing was changed" in panel.status.text()

    doc.undo()  # the first run was one step
    assert not doc.project.tracks_of("caption")
