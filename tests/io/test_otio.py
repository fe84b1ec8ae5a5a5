"""OpenTimelineIO interchange: capkit -> OTIO -> capkit loses nothing, and a timeline made with
OTIO's own API comes in with the right cuts."""

from fractions import Fraction as F

import numpy as np
import pytest

otio = pytest.importorskip("opentimelineio", reason="OpenTimelineIO is the optional 'interchange' extra")

from capkit.errors import CapkitError  # noqa: E402  (after the skip when OTIO is missing)
from capkit.io import dumps  # noqa: E402
from capkit.io.otio import export_timeline, from_timeline, import_timeline, report, to_timeline  # noqa: E402
from capkit.model import (  # noqa: E402
    Animation, AudioClip, CaptionItem, CaptionStyle, CaptionWord, ColorClip, Crop, FilterItem, FilterRef,
    ImageClip, Keyframe, Marker, MediaRef, Project, Settings, TextItem, TextStyle, Track, Transform, Transition,
    VideoClip,
)
from capkit.synth.audio import tone, write_audio  # noqa: E402
from capkit.synth.video import write_video  # noqa: E402


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("otio media")  # a space, so URLs must be quoted
    video = write_video(d / "clip one.mp4", lambda n: np.full((32, 32, 3), n * 8 % 256, np.uint8), fps=30,
                        n_frames=60)
    image = d / "still.png"
    from PIL import Image

    Image.new("RGB", (16, 16), (200, 40, 40)).save(image)
    sound = write_audio(d / "music.wav", tone(440, 3.0))
    return {"video": video, "image": image, "audio": sound}


def every_item_project(media) -> Project:
    v = MediaRef(str(media["video"]), "1:abc", F(2))
    a = MediaRef(str(media["audio"]), None, F(3))
    i = MediaRef(str(media["image"]))
    fps = F(30000, 1001)
    return Project(name="Every item", settings=Settings(width=720, height=1280, fps=fps, background="#102030"),
                   markers=[Marker(F(1001, 30000) * 17, "beat", "#00C000"), Marker(F(5, 2), "drop", "#123456")],
                   tracks=[
        Track(kind="video", id="main", name="Main", items=[
            VideoClip(id="v1", start=0, duration=F(1001, 1000), source=v, source_in=F(1, 3), name="first",
                      transform=Transform(x=0.4, scale=1.5, crop=Crop(left=0.1), fit="fill"),
                      keyframes={"opacity": [Keyframe(F(0), 0.0), Keyframe(F(1, 2), 1.0, "ease_out")]},
                      filters=[FilterRef("grade", {"saturation": 0.5}, 0.8,
                                         {"contrast": [Keyframe(F(0), 1.0), Keyframe(F(1), 1.2)]})],
                      volume_db=-3.0, fade_in=F(1, 10)),
            VideoClip(id="v2", start=F(1001, 1000), duration=F(1, 2), source=v, source_in=F(1, 5), speed=F(3, 2),
                      transition_in=Transition("crossfade", F(2, 5)), preserve_pitch=False),
            ImageClip(id="i1", start=F(1001, 1000) + F(1, 2), duration=1, source=i,
                      transition_in=Transition("wipe", F(1, 4), "up")),
            ColorClip(id="c1", start=4, duration=F(1, 2), color="#FF000080"),
        ]),
        Track(kind="video", id="over", name="Overlay", hidden=True, items=[
            ColorClip(id="c2", start=F(1, 7), duration=F(2, 7), color="#00FF00")]),
        Track(kind="text", id="titles", name="Titles", items=[
            TextItem(id="t1", start=F(1, 3), duration=2, text="Hello\nworld",
                     style=TextStyle(font="Inter", size=90.5, color="#FFCC00"),
                     animation_in=Animation("pop", F(1, 3)), keyframes={"y": [Keyframe(F(0), 0.2)]})]),
        Track(kind="caption", id="subs", name="Captions", items=[
            CaptionItem(id="k1", start=1, duration=2, style=CaptionStyle(name="karaoke"), translation="Hallo",
                        words=[CaptionWord("Hi", 0, F(1, 2)), CaptionWord("there", F(1, 2), 1)])]),
        Track(kind="audio", id="music", name="Music", muted=True, items=[
            AudioClip(id="a1", start=F(1, 2), duration=2, source=a, source_in=F(1, 4), speed=F(5, 4),
                      role="voice", fade_out=F(1, 2), keyframes={"volume_db": [Keyframe(F(1), -6.0, "hold")]},
                      duck_db=-6.0)]),
        Track(kind="filter", id="look", name="Look", items=[
            FilterItem(id="f1", start=0, duration=3, filter=FilterRef("grade", {"exposure": 0.25}))]),
    ])


@pytest.mark.parametrize("relative", [False, True])
def test_round_trip_every_item_type_is_exact(media, tmp_path, relative):
    project = every_item_project(media)
    out = tmp_path / "timeline.otio"
    notes = export_timeline(project, out, relative=relative)
    back = import_timeline(out)
    assert back.warnings == []
    assert dumps(back.project, tmp_path / "p.capkit") == dumps(project, tmp_path / "p.capkit")
    text = out.read_text()
    assert ("clip%20one.mp4" in text) and (("file://" in text) != relative)
    assert any("text items" in n for n in notes) and any("wipe transitions" in n for n in notes)


def test_what_other_editors_see(media):
    timeline = to_timeline(every_item_project(media))
    main, overlay, titles, _captions, music, _look = timeline.tracks
    assert [type(c).__name__ for c in main] == ["Clip", "Transition", "Clip", "Transition", "Clip", "Gap", "Clip"]
    assert main.enabled and not overlay.enabled and not titles.enabled and not music.enabled
    assert music.kind == otio.schema.TrackKind.Audio
    clip = main[2]
    assert clip.source_range.start_time.rate == pytest.approx(30000 / 1001)
    assert clip.source_range.start_time.to_seconds() == pytest.approx(0.2)
    assert clip.duration().to_seconds() == pytest.approx(0.5)
    assert clip.effects[0].time_scalar == 1.5
    dissolve = main[1]
    assert dissolve.transition_type == otio.schema.TransitionTypes.SMPTE_Dissolve
    assert dissolve.in_offset.to_seconds() == pytest.approx(0.2) == dissolve.out_offset.to_seconds()
    assert main[3].transition_type == otio.schema.TransitionTypes.Custom
    assert main[6].media_reference.generator_kind == "SolidColor"
    assert titles[1].name == "text: Hello world" and isinstance(titles[1].media_reference, otio.schema.MissingReference)
    assert [m.name for m in timeline.tracks.markers] == ["beat", "drop"]
    assert timeline.tracks.markers[0].color == "GREEN"


def test_report_lists_what_other_editors_lose(media):
    lines = report(every_item_project(media))
    for words in ("text items", "caption items", "filter layers", "clip filters", "keyframed items",
                  "wipe transitions", "clips with a position", "clip volumes", "music ducking", "colour clips"):
        assert any(words in line for line in lines), words
    plain = Project(tracks=[Track(items=[VideoClip(source=MediaRef("/x.mp4"))])])
    assert report(plain) == []


def test_timeline_made_with_otio_api_imports_with_the_right_cuts(media, tmp_path):
    """Two video clips with a gap and a dissolve, an audio clip, markers; media next to the .otio file."""
    rt = otio.opentime.RationalTime
    rng = otio.opentime.TimeRange
    (tmp_path / "media").mkdir()
    for key in ("video", "audio"):
        (tmp_path / "media" / media[key].name).write_bytes(media[key].read_bytes())
    video_ref = lambda: otio.schema.ExternalReference(
        target_url="media/clip%20one.mp4", available_range=rng(rt(86400 * 24, 24), rt(48, 24)))
    timeline = otio.schema.Timeline(name="From elsewhere")
    v = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    v.append(otio.schema.Clip(name="A", media_reference=video_ref(), source_range=rng(rt(86400 * 24 + 6, 24), rt(24, 24))))
    v.append(otio.schema.Transition(transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                    in_offset=rt(3, 24), out_offset=rt(3, 24)))
    fast = otio.schema.Clip(name="B", media_reference=video_ref(), source_range=rng(rt(86400 * 24 + 12, 24), rt(12, 24)))
    fast.effects.append(otio.schema.LinearTimeWarp(time_scalar=2.0))
    fast.markers.append(otio.schema.Marker(name="on B", marked_range=rng(rt(86400 * 24 + 18, 24), rt(0, 24))))
    v.append(fast)
    v.append(otio.schema.Gap(source_range=rng(rt(0, 24), rt(12, 24))))
    v.append(otio.schema.Clip(name="C", media_reference=video_ref(), source_range=rng(rt(86400 * 24, 24), rt(6, 24))))
    a = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    a.append(otio.schema.Gap(source_range=rng(rt(0, 24), rt(6, 24))))
    a.append(otio.schema.Clip(name="music", media_reference=otio.schema.ExternalReference(
        target_url=(tmp_path / "media" / "music.wav").as_uri()), source_range=rng(rt(12, 24), rt(36, 24))))
    timeline.tracks.extend([v, a])
    timeline.tracks.markers.append(otio.schema.Marker(name="hit", marked_range=rng(rt(30, 24), rt(6, 24)),
                                                      color=otio.schema.MarkerColor.RED))
    path = tmp_path / "made elsewhere.otio"
    otio.adapters.write_to_file(timeline, str(path))

    result = import_timeline(path)
    project = result.project
    assert project.settings.fps == 24 and project.name == "From elsewhere"
    video, audio = project.tracks
    assert (video.kind, audio.kind) == ("video", "audio")
    a_clip, b_clip, c_clip = video.items
    assert all(isinstance(c, VideoClip) for c in video.items)
    assert (a_clip.start, a_clip.duration, a_clip.source_in, a_clip.speed) == (0, 1, F(1, 4), 1)
    assert (b_clip.start, b_clip.duration, b_clip.source_in, b_clip.speed) == (1, F(1, 2), F(1, 2), 2)
    assert b_clip.transition_in == Transition("crossfade", F(1, 4))
    assert (c_clip.start, c_clip.duration, c_clip.source_in) == (2, F(1, 4), 0)
    assert a_clip.source.path == str((tmp_path / "media" / "clip one.mp4").resolve())
    assert a_clip.source.duration == 2 and a_clip.source.fingerprint and a_clip.muted  # the file has no sound
    (music,) = audio.items
    assert isinstance(music, AudioClip)
    assert (music.start, music.duration, music.source_in) == (F(1, 4), F(3, 2), F(1, 2))
    assert sorted((m.time, m.name, m.color) for m in project.markers) == [
        (F(5, 4), "hit", "#FF0000"), (F(5, 4), "on B", "#FF0000")]
    assert result.warnings == ["marker 'hit': its range became a point at its start"]


def test_foreign_oddities_become_warnings(media, tmp_path):
    rt = otio.opentime.RationalTime
    rng = otio.opentime.TimeRange
    timeline = otio.schema.Timeline(name="odd")
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    for key in ("image", "audio"):
        v.append(otio.schema.Clip(name=key, media_reference=otio.schema.ExternalReference(
            target_url=media[key].as_uri()), source_range=rng(rt(0, 30), rt(15, 30))))
    v.append(otio.schema.Clip(name="offline", source_range=rng(rt(0, 30), rt(30, 30))))
    v.append(otio.schema.Clip(name="web", media_reference=otio.schema.ExternalReference(target_url="https://x/y.mp4"),
                              source_range=rng(rt(0, 30), rt(30, 30))))
    clip = otio.schema.Clip(name="gone", media_reference=otio.schema.ExternalReference(target_url="nowhere.mp4"),
                            source_range=rng(rt(0, 30), rt(30, 30)))
    clip.effects.append(otio.schema.Effect(name="blur", effect_name="Blur"))
    v.append(clip)
    v.append(otio.schema.Stack(name="compound"))
    timeline.tracks.append(v)
    result = from_timeline(timeline, base=tmp_path, width=1920, height=1080)
    assert result.project.settings.width == 1920
    image, item = result.project.tracks[0].items
    assert isinstance(image, ImageClip) and image.duration == F(1, 2) and image.source.duration is None
    assert item.start == 3 and item.source.path == str(tmp_path / "nowhere.mp4")
    assert result.warnings == [
        ("clip 'audio': music.wav is sound only; left out of the video track (put it on an audio track in the "
         "other editor)"),
        "clip 'offline' has no media (offline); left out",
        "clip 'web': media 'https://x/y.mp4' is not a local file; left out",
        f"media not found: {tmp_path / 'nowhere.mp4'} (relink it after opening)",
        "clip 'gone': effect 'Blur' is not carried over",
    ]


def test_clip_moved_in_another_editor_keeps_the_move(media, tmp_path):
    project = every_item_project(media)
    timeline = to_timeline(project)
    main = timeline.tracks[0]
    last = main[6]  # the colour clip, after a gap
    rng = last.source_range
    last.source_range = otio.opentime.TimeRange(rng.start_time, rng.duration + rng.duration)
    back = from_timeline(timeline)
    clip = back.project.find("c1")[1]
    assert clip.duration == 1 and clip.color == "#FF000080"
    assert back.warnings == ["clip '#FF000080' was changed in another editor: its duration is taken from the timeline"]


def test_missing_adapter_and_missing_otio_are_clear(media, tmp_path, monkeypatch):
    project = every_item_project(media)
    if "cmx_3600" not in otio.adapters.available_adapter_names():
        with pytest.raises(CapkitError, match=r"pip install otio-cmx3600-adapter"):
            export_timeline(project, tmp_path / "cut.edl")
    with pytest.raises(CapkitError, match="cannot tell the timeline format"):
        export_timeline(project, tmp_path / "cut.txt")
    assert not list(tmp_path.iterdir())
    import sys

    monkeypatch.setitem(sys.modules, "opentimelineio", None)
    with pytest.raises(CapkitError, match=r"pip install 'capkit\[interchange\]'"):
        export_timeline(project, tmp_path / "cut.otio")


def test_broken_timeline_file_is_one_clear_error(tmp_path):
    bad = tmp_path / "bad.otio"
    bad.write_text('{"OTIO_SCHEMA": "Timeline.1", "tracks": ')
    with pytest.raises(CapkitError, match=r"bad.otio: cannot read it as a timeline"):
        import_timeline(bad)


def test_canvas_and_rate_asked_for_are_checked(media):
    timeline = to_timeline(every_item_project(media))
    with pytest.raises(CapkitError, match=r"'fast' is not a frame rate"):
        from_timeline(timeline, fps="fast")
    with pytest.raises(CapkitError, match=r"project width must be even \(got 721\)"):
        from_timeline(timeline, width=721)
    assert from_timeline(timeline, fps="29.97").project.settings.fps == F(30000, 1001)


def test_commands(media, tmp_path):
    import typer
    from typer.testing import CliRunner

    from capkit.cli import interchange
    from capkit.io import save

    app = typer.Typer()
    app.command("export-timeline")(interchange.export_timeline)
    app.command("import-timeline")(interchange.import_timeline)
    project = save(every_item_project(media), tmp_path / "p.capkit")
    runner = CliRunner()
    done = runner.invoke(app, ["export-timeline", str(project), "-o", str(tmp_path / "t.otio")])
    assert done.exit_code == 0, done.output
    assert "wrote" in done.output and "other editors will not understand" in done.output
    assert "1 text items" in " ".join(done.output.split())
    again = runner.invoke(app, ["export-timeline", str(project), "-o", str(tmp_path / "t.otio")])
    assert again.exit_code == 2 and "already exists; pass --force" in " ".join(again.output.split())
    back = runner.invoke(app, ["import-timeline", str(tmp_path / "t.otio"), "-o", str(tmp_path / "back.capkit")])
    assert back.exit_code == 0, back.output
    assert (tmp_path / "back.capkit").read_text() == project.read_text()


@pytest.mark.parametrize("suffix, adapter", [(".xml", "fcp_xml"), (".fcpxml", "fcpx_xml"), (".edl", "cmx_3600")])
def test_other_formats_through_installed_adapters(media, tmp_path, suffix, adapter):
    if adapter not in otio.adapters.available_adapter_names():
        pytest.skip(f"OTIO's {adapter} adapter is not installed")
    v = MediaRef(str(media["video"]), None, F(2))
    project = Project(tracks=[
        Track(kind="video", items=[
            VideoClip(start=0, duration=1, source=v, source_in=F(1, 2)),
            VideoClip(start=1, duration=F(1, 2), source=v, source_in=F(1, 2), transition_in=Transition()),
            ColorClip(start=2, duration=1)]),
        Track(kind="text", items=[TextItem(start=0, duration=1)])])
    out = tmp_path / f"cut{suffix}"
    notes = export_timeline(project, out)
    assert out.is_file() and "1 text items (left out)" in notes and "1 colour clips (left out)" in notes
    back = import_timeline(out).project
    (video,) = [t for t in back.tracks if t.kind == "video" and t.items]
    assert len(video.items) == 2 and all(isinstance(i, VideoClip) for i in video.items)
    assert video.items[0].start == 0 and video.items[0].source.path == str(media["video"])
