"""The panels: text presets, filters (thumbnails, hover preview, applying a layer) and sounds
(the synthesised starter library and the user's own folders)."""

from fractions import Fraction as F

import panel_support
from panel_support import double_click_row, show_dock

from capkit.gui.panels import install_panels, replay
from capkit.gui.panels.filters import ID_ROLE
from capkit.gui.panels.sounds import SoundsPanel, remembered_folders
from capkit.gui.panels.text_presets import PRESETS
from capkit.model.items import AudioClip, FilterItem, TextItem

# the fixtures of panel_support, taken into this module
panels, pick_colour, sound_cache = panel_support.panels, panel_support.pick_colour, panel_support.sound_cache


def test_install_panels_docks_them_as_tabs(window, panels):
    docks = window.panel_docks
    assert set(docks) == {"text", "filters", "sounds", "captions"}
    media = window.findChild(type(docks["text"]), "dock-media")
    inspector = window.findChild(type(docks["text"]), "dock-inspector")
    assert docks["filters"] in window.tabifiedDockWidgets(media)
    assert docks["captions"] in window.tabifiedDockWidgets(inspector)
    assert not media.visibleRegion().isEmpty()  # the media bin stays in front
    assert install_panels(window) is docks  # a second call adds nothing


def test_every_text_preset_adds_an_item_at_the_playhead(window, panels, qtbot):
    doc = window.document
    show_dock(window, "text")
    panel = panels["text"]
    for row, preset in enumerate(PRESETS):
        doc.set_playhead(F(row * 5))
        double_click_row(qtbot, panel.list, row)
        (item,) = [doc.project.find(i)[1] for i in doc.selection]
        assert isinstance(item, TextItem) and item.start == row * 5 and item.text == preset.text
    box = next(i for i in doc.project.items() if getattr(i, "text", "") == "Name Surname")
    assert box.style.box is not None and box.style.align == "left"
    count = len(list(doc.project.items()))
    doc.undo()
    assert len(list(doc.project.items())) == count - 1


def test_the_filter_list_has_builtins_and_pack_looks_with_thumbnails(window, panels, qtbot):
    panel = panels["filters"]
    ids = [panel.list.item(i).data(ID_ROLE) for i in range(panel.list.count())]
    assert {"grade", "sepia", "blur", "vignette"} <= set(ids)
    assert "lut3d" not in ids  # needs a file: added from a clip's inspector
    assert "dev.capkit.looks/teal-orange" in ids
    qtbot.waitUntil(lambda: panel.thumbnails_ready, timeout=30_000)
    sepia = panel.thumbnails["sepia"]
    r, g, b, _ = sepia.pixelColor(sepia.width() // 2, sepia.height() // 3).getRgb()
    assert r >= g >= b and r > b + 10  # warm brown, not the blue sky of the sample
    look = panel.thumbnails["dev.capkit.looks/teal-orange"]
    assert not look.isNull() and look.width() >= 64


def test_hovering_a_filter_previews_it_without_changing_the_project(window, panels, qtbot):
    doc = window.document
    show_dock(window, "filters")
    panel = panels["filters"]
    revision, before = doc.revision, doc.snapshot()
    row = next(i for i in range(panel.list.count()) if panel.list.item(i).data(ID_ROLE) == "black_white")
    rect = panel.list.visualItemRect(panel.list.item(row))
    qtbot.mouseMove(panel.list.viewport(), rect.center())
    qtbot.waitUntil(lambda: panel.hovered == "black_white", timeout=5_000)
    with qtbot.waitSignal(panel.hover_image, timeout=20_000) as shown:
        pass
    image = shown.args[0]
    assert panel.popup.isVisible()
    r, g, b, _ = image.pixelColor(image.width() // 2, image.height() - 4).getRgb()
    assert abs(r - g) < 6 and abs(g - b) < 6 and r > 20  # the red clip, drawn grey
    assert doc.revision == revision and doc.snapshot() == before
    with qtbot.waitSignal(panel.hover_image, timeout=5_000) as ended:
        panel.list.hover_left.emit()  # the pointer leaves the list
    assert ended.args == [None] and not panel.popup.isVisible()


def test_a_filter_applies_as_a_layer_over_the_selected_clip(window, panels, qtbot):
    doc = window.document
    show_dock(window, "filters")
    panel = panels["filters"]
    blue = doc.project.tracks[0].items[1]
    doc.select([blue.id])
    row = next(i for i in range(panel.list.count()) if panel.list.item(i).data(ID_ROLE) == "sepia")
    double_click_row(qtbot, panel.list, row)
    (layer,) = [i for i in doc.project.items() if isinstance(i, FilterItem)]
    assert (layer.filter.filter_id, layer.start, layer.end) == ("sepia", 3, 5)
    assert doc.project.find(layer.id)[0].kind == "filter"
    assert doc.selection == {layer.id}
    doc.undo()
    assert not doc.project.tracks_of("filter")
    doc.select([])
    assert panel.apply("vignette")
    (layer,) = [i for i in doc.project.items() if isinstance(i, FilterItem)]
    assert (layer.start, layer.end) == (0, 5)  # nothing selected: the whole project


def test_sounds_from_the_library_and_from_a_folder(window, panels, qtbot, media, tmp_path):
    doc = window.document
    show_dock(window, "sounds")
    panel = panels["sounds"]
    qtbot.waitUntil(lambda: panel.library_state == "ready", timeout=60_000)
    names = [e.name for e in panel.entries()]
    assert {"whoosh", "pop", "chill-chords"} <= set(names)
    doc.set_playhead(F(1))
    double_click_row(qtbot, panel.list, 1 + names.index("whoosh"))  # row 0 is the heading
    (clip,) = [i for i in doc.project.items() if isinstance(i, AudioClip)]
    assert (clip.role, clip.start, clip.duration) == ("effect", 1, F(6, 5))
    assert doc.history.undo_label() == "Add sound whoosh"

    folder = tmp_path / "my sounds"
    folder.mkdir()
    (folder / "beep.wav").write_bytes(media["tone"].read_bytes())
    (folder / "broken.mp3").write_text("not audio")
    panel.add_folder(folder)
    qtbot.waitUntil(lambda: not panel.busy, timeout=20_000)
    mine = [e for e in panel.entries() if e.path.parent == folder.resolve()]
    assert [(e.name, e.role, e.duration) for e in mine] == [("beep", "effect", F(3, 2))]
    heading = next(panel.list.item(i) for i in range(panel.list.count()) if "my sounds" in panel.list.item(i).text())
    assert "1 sounds, 1 skipped" in heading.text()
    doc.set_playhead(F(3))
    assert panel.add(mine[0])
    added = [i for i in doc.project.items() if isinstance(i, AudioClip) and i.start == 3]
    assert len(added) == 1

    # the folder is remembered for the next session, until the user forgets it
    again = SoundsPanel(doc)
    qtbot.addWidget(again)
    again.load_library()
    qtbot.waitUntil(lambda: not again.busy, timeout=60_000)
    assert [e.name for e in again.entries() if e.path.parent == folder.resolve()] == ["beep"]
    again.forget_folder(folder)
    assert not [e for e in again.entries() if e.path.parent == folder.resolve()] and not again.folders
    assert "whoosh" in [e.name for e in again.entries()]
    assert remembered_folders() == []


def test_replay_turns_what_the_api_added_into_one_undoable_group():
    import capkit
    from capkit.model.history import History

    project = capkit.new_project(1080, 1920)
    capkit.add_color(project, "#FF0000", duration=2)
    edit, items = replay.scratch_edit(project, lambda p: capkit.add_text(p, "Hi", start=1), "Add text")
    assert [type(e).__name__ for e in edit.edits] == ["AddTrack", "AddItem"]
    assert not project.tracks_of("text")  # the copy changed, not the project
    history = History(project)
    history.do(edit)
    assert project.find(items[0].id)[1].text == "Hi"
    history.undo()
    assert len(project.tracks) == 1
