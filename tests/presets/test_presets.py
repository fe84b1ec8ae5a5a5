"""Export presets: the data, the files they make (probed), and the checks before export."""

import json
import os
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import av
import numpy as np
import pytest

import capkit
from capkit.presets import PresetError, export_settings, load_preset, presets
from capkit.presets.checks import check
from capkit.synth.audio import music_bed, write_audio
from capkit.synth.video import write_video

NAMES = ["tiktok", "reels", "shorts", "youtube", "square", "portrait-4x5"]


def test_every_platform_has_a_preset_with_sources():
    found = {p.name: p for p in presets()}
    assert set(NAMES) <= set(found)
    for p in found.values():
        assert p.sources and all(s.checked for s in p.sources)
        assert p.loudness.integrated_lufs == -14 and p.loudness.true_peak_dbtp == -1
    assert found["shorts"].max_seconds == 180 and found["shorts"].aspect_rule == "square-or-taller"
    assert (found["youtube"].width, found["youtube"].height) == (1920, 1080)


def test_bad_preset_files_are_named(tmp_path, capkit_data_dir):
    with pytest.raises(PresetError, match="no export preset named 'tik'; choose one of .*tiktok"):
        load_preset("tik")
    bad = tmp_path / "odd.json"
    doc = json.loads((load_preset.__globals__["builtin_dir"]() / "tiktok.json").read_text())
    doc["preset"]["name"] = "odd"
    doc["preset"]["width"] = 1081
    bad.write_text(json.dumps(doc))
    with pytest.raises(PresetError, match="odd.json: preset.*even sides"):
        load_preset(str(bad))
    doc["preset"]["width"] = 1080
    doc["preset"]["video"]["max_bitrate"] = "fast"
    bad.write_text(json.dumps(doc))
    with pytest.raises(PresetError, match=r"odd.json: preset.video.max_bitrate"):
        load_preset(str(bad))


@pytest.fixture(scope="module")
def busy_source(tmp_path_factory):
    """A second and a third of noisy, moving 1280x720 picture with music: hard to compress, so the
    encoder's bitrate cap is what limits the file."""
    d = tmp_path_factory.mktemp("preset-media")
    rng = np.random.default_rng(3)

    def frame(n):
        base = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
        base[:, (n * 17) % 1280:] //= 2
        return base

    video = write_video(d / "busy.mp4", frame, fps=30, n_frames=40, crf=10)
    music = write_audio(d / "music.wav", music_bed(1.4))
    return video, music


def _faststart(path):
    data = path.read_bytes()
    return data.find(b"moov") < data.find(b"mdat")


@pytest.mark.parametrize("name", NAMES)
def test_each_preset_makes_the_file_its_platform_asks_for(tmp_path, busy_source, name):
    preset = load_preset(name)
    project = capkit.new_project(preset.width, preset.height)
    capkit.add_media(project, busy_source[0], fit="fill")
    capkit.add_audio(project, busy_source[1])
    out = tmp_path / f"{name}.mp4"
    capkit.export(project, out, **export_settings(preset))
    assert _faststart(out)
    with av.open(str(out)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        assert (v.width, v.height) == (preset.width, preset.height)
        assert v.average_rate == preset.fps
        assert v.codec_context.name == "h264" and v.codec_context.profile == "High"
        assert a.codec_context.name == "aac" and a.sample_rate == preset.audio.sample_rate and a.channels == 2
        keys, sizes = [], []
        for i, packet in enumerate(p for p in c.demux(v) if p.size):
            sizes.append(packet.size)
            if packet.is_keyframe:
                keys.append(i)
    gop = round(preset.fps * preset.video.gop_seconds)
    assert keys == list(range(0, len(sizes), gop))
    # The cap holds over every one-second window (the VBV buffer is two seconds: allow that slack).
    per_second = [sum(sizes[i:i + preset.fps]) * 8 for i in range(0, len(sizes) - preset.fps + 1, preset.fps)]
    assert max(per_second) <= preset.video.max_bitrate * 1.5, per_second
    assert sum(sizes) * 8 / (len(sizes) / preset.fps) <= preset.video.max_bitrate * 1.05


def test_checks_catch_text_under_the_buttons_and_a_too_long_short():
    project = capkit.new_project(1080, 1920)
    capkit.add_color(project, "#203040", duration=200)
    capkit.add_text(project, "Link in bio", start=2, duration=3, y=0.9)
    capkit.add_text(project, "Right side", start=6, duration=2, x=0.93, y=0.4)
    capkit.add_text(project, "Safe and sound", start=1, duration=3, y=0.5)
    shorts = {f.code: f for f in check(project, load_preset("shorts"))}
    assert "too-long" in shorts and "3:20.0" in shorts["too-long"].message and "at most 3:00.0" in shorts["too-long"].message
    tiktok = [f for f in check(project, load_preset("tiktok")) if f.code == "ui-zone"]
    assert [f.time for f in tiktok] == [F(2), F(6)]
    assert "bottom 440 px" in tiktok[0].message and "right 150 px" in tiktok[1].message
    assert not any(f.code == "too-long" for f in check(project, load_preset("tiktok")))


def test_checks_catch_the_wrong_shape():
    project = capkit.new_project(1920, 1080)
    capkit.add_color(project, "#203040", duration=5)
    assert "square or taller" in {f.code: f for f in check(project, load_preset("shorts"))}["aspect"].message
    assert "will get bars" in {f.code: f for f in check(project, load_preset("tiktok"))}["aspect"].message
    assert not [f for f in check(project, load_preset("youtube")) if f.code == "aspect"]


CAPKIT = str(Path(sys.executable).with_name("capkit"))  # the venv's command


def run(*args):
    return subprocess.run([CAPKIT, *map(str, args)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "COLUMNS": "200"})


def test_presets_and_check_commands(tmp_path):
    r = run("presets", "list")
    assert r.returncode == 0 and all(n in r.stdout for n in NAMES)
    r = run("presets", "show", "shorts")
    assert r.returncode == 0 and "1080x1920" in r.stdout and "official" in r.stdout
    project = capkit.new_project(1080, 1920)
    capkit.add_color(project, "#203040", duration=2)
    capkit.add_text(project, "Link in bio", start=0, duration=2, y=0.93)
    capkit.save(project, tmp_path / "p.capkit")
    r = run("check", tmp_path / "p.capkit", "--preset", "tiktok", "--no-sound")
    assert r.returncode == 0 and "Link in bio" in r.stdout
    assert run("check", tmp_path / "p.capkit", "--preset", "tiktok", "--no-sound", "--strict").returncode == 1
    r = run("render", tmp_path / "p.capkit", "-o", tmp_path / "out.mp4", "--preset", "tiktok", "--preset", "square")
    assert r.returncode == 0, r.stderr
    with av.open(str(tmp_path / "out-square.mp4")) as c:
        assert (c.streams.video[0].width, c.streams.video[0].height) == (1080, 1080)
    assert (tmp_path / "out-tiktok.mp4").exists()
    r = run("render", tmp_path / "p.capkit", "-o", tmp_path / "strict.mp4", "--preset", "tiktok", "--strict")
    assert r.returncode == 2 and "not rendering" in r.stderr and not (tmp_path / "strict.mp4").exists()


def test_checks_measure_the_mix_for_peaks_and_quiet(tmp_path):
    from capkit.synth.audio import tone

    quiet = write_audio(tmp_path / "quiet.wav", tone(440, 3.0, amplitude=0.02))
    loud = write_audio(tmp_path / "loud.wav", tone(440, 3.0, amplitude=1.0))
    preset = load_preset("tiktok")
    for path, code in ((quiet, "quiet"), (loud, "loud")):
        project = capkit.new_project(1080, 1920)
        capkit.add_color(project, "#203040", duration=3)
        capkit.add_audio(project, path)
        found = {f.code: f for f in check(project, preset, loudness=True, normalise=False)}
        assert code in found, found
        assert not [f for f in check(project, preset, loudness=True, normalise=True) if f.code in ("loud", "quiet")]
