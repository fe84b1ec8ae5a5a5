"""The document: edits, undo, dirty state, files, selection and playhead."""

from fractions import Fraction as F

import pytest
from gui_samples import sample_project

from capkit.errors import CapkitError
from capkit.gui.document import Document
from capkit.io import project_file
from capkit.model.edits import MoveItem


def test_edits_undo_and_dirty_state(qtbot, tmp_path):
    doc = Document(sample_project())
    red = doc.project.tracks[0].items[0]
    before = project_file.dumps(doc.project)
    with qtbot.waitSignals([doc.changed, doc.dirty_changed]):
        doc.apply(MoveItem(red.id, F(1, 2)))
    assert doc.dirty and doc.title.endswith("*")
    doc.undo()
    assert project_file.dumps(doc.project) == before and not doc.dirty
    doc.redo()
    path = doc.save_as(tmp_path / "cut")
    assert path.name == "cut.capkit" and not doc.dirty
    again = Document()
    again.open(path)
    assert project_file.dumps(again.project, path) == project_file.dumps(doc.project, path)


def test_refused_edit_is_reported_and_changes_nothing(qtbot):
    doc = Document(sample_project())
    red = doc.project.tracks[0].items[0]
    before = project_file.dumps(doc.project)
    with qtbot.waitSignal(doc.failed) as blocker:
        assert not doc.try_apply(MoveItem(red.id, F(3)))
    assert "overlap" in blocker.args[0]
    assert project_file.dumps(doc.project) == before and not doc.history.can_undo


def test_selection_forgets_deleted_items_and_playhead_steps_frames(qtbot):
    doc = Document(sample_project())
    red = doc.project.tracks[0].items[0]
    doc.select([red.id])
    from capkit.model.edits import RemoveItem

    with qtbot.waitSignal(doc.selection_changed):
        doc.apply(RemoveItem(red.id))
    assert doc.selection == frozenset()
    doc.step_frames(3)
    assert doc.playhead == F(3, 30)
    doc.step_frames(-10)
    assert doc.playhead == 0


def test_save_without_a_path_asks_for_one():
    with pytest.raises(CapkitError, match="Save As"):
        Document(sample_project()).save()
