"""Variables in a project, filled in per row with the project reader's rules."""

import json

import pytest

import capkit
from capkit.batch import RowError, apply_row, read_rows, template_of, variables
from capkit.batch.data import DataError
from capkit.model.caption_items import CaptionItem


def _project():
    project = capkit.new_project(270, 480, fps=30)
    clip = capkit.add_color(project, "#000000", duration=2)
    clip.color = "{{bg}}"
    text = capkit.add_text(project, "Buy {{product}} now", duration=2, size=40)
    text.style.size = "{{size}}"
    text.style.color = "{{ink}}"
    capkit.add_filter(project, "grade", {"contrast": 1.1})
    project.tracks[-1].items[0].filter.params["contrast"] = "{{contrast}}"
    return project


GOOD = {"bg": "#102030", "product": "Socks", "size": "50", "ink": "#FFCC00", "contrast": "1.3"}


def test_variables_are_found_in_text_colours_and_filter_params():
    assert variables(_project()) == {"bg", "product", "size", "ink", "contrast"}
    places = template_of(_project()).places()
    assert places["bg"] == ["tracks[0].items[0].color"]
    assert "tracks[2].items[0].filter.params.contrast" in places["contrast"]


def test_a_row_fills_in_values_of_the_fields_types():
    project = apply_row(_project(), GOOD, row=2)
    clip, text, layer = (t.items[0] for t in project.tracks)
    assert clip.color == "#102030"
    assert text.text == "Buy Socks now" and text.style.size == 50.0 and text.style.color == "#FFCC00"
    assert layer.filter.params == {"contrast": 1.3}


@pytest.mark.parametrize("column, value, message", [
    ("bg", "blue", "row 9, column 'bg': tracks[0].items[0].color must be a colour like #FFCC00"),
    ("size", "big", "row 9, column 'size': tracks[1].items[0].style.size must be a number (got 'big')"),
    ("size", "5000", "row 9, column 'size': tracks[1].items[0].style.size must be at most 2000"),
    ("contrast", "40", "row 9, column 'contrast': tracks[2].items[0].filter: filter 'grade': contrast must be at most"),
    ("product", "", "row 9, column 'product': the value is empty"),
])
def test_an_invalid_value_names_the_row_the_column_and_the_field(column, value, message):
    with pytest.raises(RowError) as err:
        apply_row(_project(), {**GOOD, column: value}, row=9)
    assert str(err.value).startswith(message), str(err.value)
    assert err.value.row == 9 and err.value.column == column


def test_a_missing_column_in_a_row_is_that_rows_error():
    values = dict(GOOD)
    del values["ink"]
    with pytest.raises(RowError, match=r"row 4, column 'ink': no value for \{\{ink\}\}"):
        apply_row(_project(), values, row=4)


def test_media_paths_resolve_against_the_data_folder_and_must_exist(tmp_path):
    from PIL import Image

    (tmp_path / "media").mkdir()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(tmp_path / "media" / "a.png")
    project = capkit.new_project(270, 480, fps=30)
    image = capkit.add_media(project, tmp_path / "media" / "a.png")
    image.source.path = "{{photo}}"
    assert variables(project) == {"photo"}
    filled = apply_row(project, {"photo": "media/a.png"}, row=3, base=tmp_path)
    assert filled.tracks[0].items[0].source.path == str(tmp_path / "media" / "a.png")
    with pytest.raises(RowError, match=r"row 3, column 'photo': media file .*gone\.png does not exist"):
        apply_row(project, {"photo": "media/gone.png"}, row=3, base=tmp_path)


def test_a_whole_value_variable_can_be_a_time_and_caption_text_and_style(tmp_path):
    from capkit.model.captions import Cue

    project = capkit.new_project(270, 480, fps=30)
    clip = capkit.add_color(project, "#000000", duration=2)
    clip.duration = "{{seconds}}"
    capkit.add_captions(project, [Cue(0, 2, "hello {{who}}")], style="bold-outline")
    caption = project.tracks[-1].items[0]
    caption.style.name = "{{look}}"
    filled = apply_row(project, {"seconds": "3/2", "who": "dear friend", "look": "karaoke"})
    assert filled.tracks[0].items[0].duration == capkit.model.time.to_time("3/2")
    item = filled.tracks[-1].items[0]
    assert isinstance(item, CaptionItem)
    assert [w.text for w in item.words] == ["hello", "dear", "friend"]  # split, times shared
    assert item.words[-1].end == caption.words[-1].end
    assert item.style.name == "karaoke" and item.style.active is not None
    with pytest.raises(RowError, match=r"column 'look': no caption style named 'nope'"):
        apply_row(project, {"seconds": "1", "who": "x", "look": "nope"})


def test_csv_rows_carry_their_line_numbers_and_bad_files_name_the_line(tmp_path):
    good = tmp_path / "rows.csv"
    good.write_text('title,bg\nA,#000000\n\n"B, with comma",#FFFFFF\n"multi\nline",#123456\nD,#654321\n')
    table = read_rows(good)
    assert [r.number for r in table.rows] == [2, 4, 5, 7]
    assert table.rows[1].values == {"title": "B, with comma", "bg": "#FFFFFF"}
    bad = tmp_path / "bad.csv"
    bad.write_text("title,bg\nA,#000000\nB,#FFFFFF,extra\n")
    with pytest.raises(DataError, match=r"bad.csv: line 3: 3 values for 2 columns"):
        read_rows(bad)
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text(json.dumps({"title": "A"}) + "\n\n" + "{broken\n")
    with pytest.raises(DataError, match=r"rows.jsonl: line 3 is not valid JSON"):
        read_rows(jsonl)
    jsonl.write_text(json.dumps({"title": "A", "size": 50}) + "\n\n" + json.dumps({"title": "B"}) + "\n")
    assert [(r.number, r.values) for r in read_rows(jsonl).rows] == [(1, {"title": "A", "size": 50}), (3, {"title": "B"})]
