import json
import os
from fractions import Fraction
from pathlib import Path

import pytest

import capkit.io as cio
from capkit.errors import ProjectFileError
from capkit.io.json_schema import project_schema
from capkit.io.project_file import FORMAT_VERSION
from capkit.model import (
    Animation, AudioClip, ColorClip, FilterItem, FilterRef, ImageClip, Keyframe, Marker, MediaRef, Project,
    Shadow, Stroke, TextBox, TextItem, TextStyle, Track, Transform, Transition, VideoClip,
)

ROOT = Path(__file__).resolve().parents[2]


def full_project(media_dir: Path) -> Project:
    """One of every object the format knows."""
    video = media_dir / "clip.mp4"
    music = media_dir / "sub" / "music.wav"
    music.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"v" * 200_000)
    music.write_bytes(b"m" * 1000)
    return Project(
        name="Everything",
        markers=[Marker(time=Fraction(3, 2), name="drop")],
        tracks=[
            Track(kind="video", id="v", items=[
                VideoClip(id="a", start=0, duration=Fraction(10, 3), source=MediaRef(str(video), duration=Fraction(20)),
                          speed=Fraction(3, 2), transform=Transform(scale=1.2, fit="fill"),
                          filters=[FilterRef("grade", {"contrast": 1.1})],
                          keyframes={"opacity": [Keyframe(Fraction(0), 0.0), Keyframe(Fraction(1), 1.0, "ease_out")]}),
                ImageClip(id="b", start=Fraction(10, 3), duration=2, source=MediaRef(str(media_dir / "p.png")),
                          transition_in=Transition("wipe", Fraction(1, 3), "up")),
                ColorClip(id="c", start=Fraction(16, 3), duration=1, color="#112233"),
            ]),
            Track(kind="text", id="t", items=[TextItem(
                id="d", start=0, duration=2, text="Hi ✨ مرحبا",
                style=TextStyle(stroke=Stroke(), shadow=Shadow(), box=TextBox(), align="left"),
                animation_in=Animation("pop"), animation_out=Animation("fade", Fraction(1, 4)))]),
            Track(kind="filter", id="f", items=[FilterItem(id="e", start=1, duration=1, filter=FilterRef("vignette"))]),
            Track(kind="audio", id="m", muted=True, items=[
                AudioClip(id="g", start=0, duration=5, source=MediaRef(str(music), duration=Fraction(60)),
                          volume_db=-12, fade_in=1, fade_out=1, preserve_pitch=False)]),
        ],
    )


def test_round_trip_keeps_everything(tmp_path):
    project = full_project(tmp_path)
    path = cio.save(project, tmp_path / "p.capkit")
    loaded = cio.load(path)
    assert cio.dumps(loaded, path) == cio.dumps(project, path)
    assert loaded.tracks[0].items[0].source.fingerprint is not None


def test_media_paths_are_relative_and_follow_a_moved_folder(tmp_path):
    folder = tmp_path / "one"
    folder.mkdir()
    project = full_project(folder)
    cio.save(project, folder / "p.capkit")
    doc = json.loads((folder / "p.capkit").read_text())
    assert doc["project"]["tracks"][0]["items"][0]["source"]["path"] == "clip.mp4"
    assert doc["project"]["tracks"][3]["items"][0]["source"]["path"] == "sub/music.wav"
    moved = tmp_path / "two"
    folder.rename(moved)
    loaded = cio.load(moved / "p.capkit")
    assert loaded.tracks[0].items[0].source.path == str(moved / "clip.mp4")
    assert cio.missing_media(loaded) == [str(moved / "p.png")]


def test_relink_finds_moved_media_by_fingerprint(tmp_path):
    project = full_project(tmp_path)
    cio.save(project, tmp_path / "p.capkit")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.rename(tmp_path / "clip.mp4", elsewhere / "renamed.mp4")
    (elsewhere / "decoy.mp4").write_bytes(b"x" * 200_000)
    loaded = cio.load(tmp_path / "p.capkit")
    result = cio.relink(loaded, [elsewhere])
    assert result.found == {str(tmp_path / "clip.mp4"): str(elsewhere / "renamed.mp4")}
    assert loaded.tracks[0].items[0].source.path == str(elsewhere / "renamed.mp4")


def test_save_is_atomic_when_the_write_fails(tmp_path, monkeypatch):
    project = full_project(tmp_path)
    path = cio.save(project, tmp_path / "p.capkit")
    good = path.read_bytes()
    project.name = "changed"

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        cio.save(project, path)
    assert path.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".tmp") == []


def _write(tmp_path, text):
    p = tmp_path / "bad.capkit"
    p.write_text(text)
    return p


def _good_doc(tmp_path):
    return json.loads(cio.dumps(full_project(tmp_path), tmp_path / "x.capkit"))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["project"]["tracks"][0]["items"][0].__setitem__("speed", "12"),
     "project.tracks[0].items[0].speed: must be at most 10 (got 12)"),
    (lambda d: d["project"]["tracks"][0]["items"][0].__setitem__("start", "soon"),
     "project.tracks[0].items[0].start: 'soon' is not a time"),
    (lambda d: d["project"]["tracks"][1]["items"][0]["style"].__setitem__("color", "red"),
     "project.tracks[1].items[0].style.color: must be a colour"),
    (lambda d: d["project"]["tracks"][0]["items"][0].__setitem__("sped", "1"),
     "unknown field 'sped' in VideoClip"),
    (lambda d: d["project"]["tracks"][0]["items"][0].__setitem__("schema", "Hologram.1"),
     "project.tracks[0].items[0]: unknown object type 'Hologram'"),
    (lambda d: d["project"]["tracks"][0]["items"][0].__setitem__("schema", "VideoClip.7"),
     "VideoClip version 7 is newer than this capkit understands"),
    (lambda d: d["project"]["tracks"][1]["items"].append(d["project"]["tracks"][0]["items"].pop(2)),
     "a ColorClip cannot sit on a text track"),
    (lambda d: d["project"]["tracks"][0]["items"][2].__setitem__("start", "3"),
     "overlap"),
    (lambda d: d["project"]["settings"].__setitem__("width", 1081),
     "project.settings.width: must be even (got 1081)"),
    (lambda d: d["project"]["tracks"][0]["items"][0]["transform"].__setitem__("opacity", True),
     "transform.opacity: expected a number (got True)"),
    (lambda d: d["project"]["tracks"][0]["items"][0].__setitem__("keyframes", {"wobble": []}),
     "cannot animate wobble"),
    (lambda d: d.__setitem__("format_version", FORMAT_VERSION + 1),
     "was saved by a newer capkit"),
    (lambda d: d.__setitem__("format", "something.else"),
     "is not a capkit project"),
])
def test_malformed_files_are_named_and_left_untouched(tmp_path, mutate, message):
    doc = _good_doc(tmp_path)
    mutate(doc)
    path = _write(tmp_path, json.dumps(doc))
    before = path.read_bytes()
    with pytest.raises(ProjectFileError) as err:
        cio.load(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert path.read_bytes() == before


def test_truncated_file(tmp_path):
    text = cio.dumps(full_project(tmp_path), tmp_path / "x.capkit")
    path = _write(tmp_path, text[: len(text) // 2])
    with pytest.raises(ProjectFileError, match="cut short"):
        cio.load(path)


@pytest.mark.parametrize("content, message", [
    (b"", "not valid JSON"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not UTF-8"),
    (b"[1, 2]", "is not a capkit project"),
])
def test_not_a_project(tmp_path, content, message):
    p = tmp_path / "x.capkit"
    p.write_bytes(content)
    with pytest.raises(ProjectFileError, match=message):
        cio.load(p)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(ProjectFileError, match="no such project file"):
        cio.load(tmp_path / "nope.capkit")
    with pytest.raises(ProjectFileError, match="is a folder"):
        cio.load(tmp_path)
    with pytest.raises(ProjectFileError, match="folder .* does not exist"):
        cio.save(Project(), tmp_path / "no" / "p.capkit")
    with pytest.raises(ProjectFileError, match="must end in .capkit"):
        cio.save(Project(), tmp_path / "p.json")


def test_older_versions_are_upgraded(tmp_path, monkeypatch):
    """A registered upgrade turns an old object into the current one while reading."""
    from capkit.io import migrations
    from capkit.model import Marker as M

    monkeypatch.setattr(M, "VERSION", 2)
    monkeypatch.setitem(migrations.UPGRADES, ("Marker", 1), lambda d: {**d, "name": d["name"].upper()})
    doc = _good_doc(tmp_path)  # written as Marker.2 now; pretend it is an old file
    doc["project"]["markers"][0]["schema"] = "Marker.1"
    loaded = cio.loads(json.dumps(doc))
    assert loaded.markers[0].name == "DROP"


def test_published_schema_matches_code_and_validates_files(tmp_path):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is a dev extra")
    committed = json.loads((ROOT / "resources" / "schemas" / "project.schema.json").read_text())
    assert committed == project_schema(), "run: python -m capkit.io.json_schema > resources/schemas/project.schema.json"
    doc = _good_doc(tmp_path)
    jsonschema.validate(doc, committed)
    doc["project"]["tracks"][0]["items"][0]["transform"]["opacity"] = 3
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, committed)


def test_saved_files_get_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        path = cio.save(Project(), tmp_path / "p.capkit")
        assert path.stat().st_mode & 0o777 == 0o644  # not the temporary file's private 0600
        os.chmod(path, 0o640)
        cio.save(Project(), path)
        assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its permissions
    finally:
        os.umask(old)
