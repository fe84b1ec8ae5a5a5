"""The inspector edits the selection: every finished change is one undo step, animated values get
keyframes at the playhead, filter fields come from each filter's parameter schema, and refused
values are reported and put back."""

from fractions import Fraction as F

import numpy as np
import panel_support
import pytest
from panel_support import double_click_row, show_dock, type_into
from PySide6.QtCore import Qt

from capkit.model.items import FilterItem, TextItem

# the fixtures of panel_support, taken into this module
panels, pick_colour, sound_cache = panel_support.panels, panel_support.pick_colour, panel_support.sound_cache


def now(doc, item):
    """The item as the project holds it now (undo restores copies of a track's items)."""
    return doc.project.find(item.id)[1]


def text_item(window):
    return next(i for i in window.document.project.items() if isinstance(i, TextItem))


def select_text(window):
    item = text_item(window)
    window.document.select([item.id])
    return item


def test_add_text_and_change_its_colour(window, panels, qtbot, pick_colour):
    doc = window.document
    doc.set_playhead(F(3))
    show_dock(window, "text")
    presets = panels["text"]
    double_click_row(qtbot, presets.list, 0)  # "Title"
    (added,) = [i for i in doc.project.items() if isinstance(i, TextItem) and i.start == 3]
    assert added.text == "Your title" and doc.selection == {added.id}
    assert doc.history.undo_label() == "Add title"

    colour = window.inspector.row("style-color").field
    assert colour.value() == "#FFFFFF"
    pick_colour.value = "#FFCC00"
    qtbot.mouseClick(colour, Qt.MouseButton.LeftButton)
    assert pick_colour.asked == 1
    assert doc.project.find(added.id)[1].style.color == "#FFCC00"
    assert doc.history.undo_label() == "Change"

    # the preview draws it: yellow pixels where the title is (once it has popped in)
    doc.set_playhead(F(4))
    qtbot.waitUntil(lambda: window.preview.shown is not None and window.preview.shown.revision == doc.revision
                    and window.preview.shown.t == 4,
                    timeout=10_000)
    image = window.preview.image
    pixels = np.array([[image.pixelColor(x, y).getRgb()[:3] for x in range(0, image.width(), 2)]
                       for y in range(0, image.height() // 2, 2)])
    yellow = (pixels[..., 0] > 200) & (pixels[..., 1] > 170) & (pixels[..., 2] < 80)
    assert yellow.sum() > 20

    doc.undo()  # the colour was one step: the title stays, white again
    assert doc.project.find(added.id)[1].style.color == "#FFFFFF"
    assert colour.value() == "#FFFFFF"  # the field follows undo


def test_a_typed_number_is_one_undo_step_when_editing_ends(window, qtbot):
    doc = window.document
    item = select_text(window)
    spin = window.inspector.row("transform-x").field.spin
    type_into(qtbot, spin, "0.25")
    assert item.transform.x == pytest.approx(0.25)
    assert doc.history.undo_label() == "Change"
    spin.clearFocus()  # leaving the box after Enter does not add a second step
    doc.undo()
    assert now(doc, item).transform.x == 0.5
    assert not doc.history.can_undo or doc.history.undo_label() != "Change"
    assert spin.value() == 0.5


def test_outline_switches_on_and_gets_its_own_fields(window, qtbot):
    doc = window.document
    item = select_text(window)
    outline = window.inspector.row("style-stroke-on").field
    qtbot.mouseClick(outline, Qt.MouseButton.LeftButton)
    assert item.style.stroke is not None
    width = window.inspector.row("style-stroke-width").field
    type_into(qtbot, width.spin, "10")
    assert item.style.stroke.width == 10
    doc.undo()
    doc.undo()
    assert now(doc, item).style.stroke is None
    with pytest.raises(KeyError):
        window.inspector.row("style-stroke-width")


def test_keyframe_button_adds_and_removes_a_keyframe_at_the_playhead(window, qtbot, dialogs):
    doc = window.document
    item = select_text(window)
    doc.set_playhead(F(1))
    inspector = window.inspector
    opacity = inspector.row("transform-opacity")
    qtbot.mouseClick(opacity.button, Qt.MouseButton.LeftButton)
    assert [(k.time, k.value) for k in item.keyframes["opacity"]] == [(1, 1.0)]
    assert opacity.button.isChecked()
    # once animated, a new value is a keyframe at the playhead, the still value stays
    doc.set_playhead(F(0))
    assert not opacity.button.isChecked()
    type_into(qtbot, opacity.field.spin, "0.2")
    assert [(k.time, k.value) for k in item.keyframes["opacity"]] == [(0, 0.2), (1, 1.0)]
    assert item.transform.opacity == 1.0
    doc.set_playhead(F(1, 2))
    assert opacity.field.value() == pytest.approx(0.6)  # shown as evaluated at the playhead
    # outside the item an animated value cannot be set: said, not raised, and put back
    doc.set_playhead(F(4))
    type_into(qtbot, opacity.field.spin, "0.5")
    assert dialogs and "move the playhead over the item" in dialogs[-1][1]
    assert len(item.keyframes["opacity"]) == 2
    assert not opacity.button.isEnabled()
    doc.set_playhead(F(1))
    qtbot.mouseClick(opacity.button, Qt.MouseButton.LeftButton)
    assert [k.time for k in item.keyframes["opacity"]] == [0]


def test_speed_volume_and_fades_of_a_video_clip(window, qtbot, media):
    doc = window.document
    assert window.add_media(media["scene"])
    clip = doc.project.tracks[0].items[-1]
    assert clip.duration == 2
    doc.select([clip.id])
    inspector = window.inspector
    type_into(qtbot, inspector.row("speed").field.spin, "2")
    assert (clip.speed, clip.duration) == (2, 1)
    assert doc.history.undo_label() == "Speed"
    type_into(qtbot, inspector.row("volume_db").field.spin, "-6")
    type_into(qtbot, inspector.row("fade_in").field.spin, "0.5")
    assert (clip.volume_db, clip.fade_in) == (-6.0, F(1, 2))
    doc.undo()
    doc.undo()
    doc.undo()
    clip = now(doc, clip)
    assert (clip.speed, clip.duration, clip.volume_db, clip.fade_in) == (1, 2, 0.0, 0)


def test_filter_fields_come_from_the_schema(window, panels, qtbot):
    doc = window.document
    assert panels["filters"].apply("grade")
    (layer,) = [i for i in doc.project.items() if isinstance(i, FilterItem)]
    assert doc.selection == {layer.id}
    inspector = window.inspector
    names = {r.field.objectName() for r in inspector.fields}
    for param in ("exposure", "contrast", "saturation", "brightness"):
        assert f"inspector-filter-{param}" in names
    contrast = inspector.row("filter-contrast")
    assert contrast.keyframe == "filter.contrast" and contrast.field.slider is not None
    assert contrast.field.value() == pytest.approx(1.2)  # the look the filter panel showed
    slider = contrast.field.slider
    slider.setSliderDown(True)  # dragging: nothing is committed until the slider is let go
    slider.setValue(slider.maximum() // 2)
    assert layer.filter.params["contrast"] == 1.2
    slider.setSliderDown(False)
    slider.sliderReleased.emit()
    assert layer.filter.params["contrast"] == pytest.approx(1.5)
    assert doc.history.undo_label() == "Change"
    doc.set_playhead(F(1))
    qtbot.mouseClick(contrast.button, Qt.MouseButton.LeftButton)  # animate it from here
    assert [(k.time, k.value) for k in doc.project.find(layer.id)[1].filter.keyframes["contrast"]] == [(1, 1.5)]
    doc.undo()
    doc.undo()
    assert doc.project.find(layer.id)[1].filter.params["contrast"] == 1.2


def test_every_filter_gets_a_field_for_each_parameter(window, qtbot, pick_colour):
    from capkit.fx import registry
    from capkit.model.edits import AddItem, AddTrack
    from capkit.model.items import FilterRef

    doc = window.document
    add = AddTrack("filter", name="Looks")
    doc.apply(add)
    layers = {}
    for n, spec in enumerate(registry.filters().values()):
        layer = FilterItem(start=n, duration=1, filter=FilterRef(spec.id), name=spec.id)
        doc.apply(AddItem(add.track_id, layer))
        layers[spec.id] = layer.id
    for filter_id, item_id in layers.items():
        doc.select([item_id])
        names = {r.field.objectName() for r in window.inspector.fields}
        for p in registry.get(filter_id).params:
            assert f"inspector-filter-{p.name}" in names, (filter_id, p.name)

    doc.select([layers["blur"]])
    kind = window.inspector.row("filter-kind").field
    kind.setCurrentIndex(kind.findData("box"))
    kind.activated.emit(kind.currentIndex())  # what picking it in the list does
    assert doc.project.find(layers["blur"])[1].filter.params["kind"] == "box"

    doc.select([layers["chroma_key"]])
    pick_colour.value = "#0000FF"
    qtbot.mouseClick(window.inspector.row("filter-color").field, Qt.MouseButton.LeftButton)
    assert doc.project.find(layers["chroma_key"])[1].filter.params["color"] == "#0000FF"

    doc.select([layers["skin_smooth"]])
    qtbot.mouseClick(window.inspector.row("filter-skin_only").field, Qt.MouseButton.LeftButton)
    assert doc.project.find(layers["skin_smooth"])[1].filter.params["skin_only"] is False
