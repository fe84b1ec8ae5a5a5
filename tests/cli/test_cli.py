"""The capkit command as a user runs it: real processes, real files, exit codes and messages."""

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import pytest

from capkit.synth.audio import tone, write_audio
from capkit.synth.video import frame_index_pattern, write_bitmap_video, write_video

CAPKIT = str(Path(sys.executable).with_name("capkit"))


def run(*args, cwd=None, env=None, timeout=300):
    return subprocess.run([CAPKIT, *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def one_clear_line(result, code=2):
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout
    lines = [l for l in result.stderr.splitlines() if l.strip()]
    assert len(lines) >= 1 and lines[0].startswith("error:"), result.stderr
    return " ".join(result.stderr.split())


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    return {
        "video": write_video(d / "v.mp4", lambda n: frame_index_pattern(160, 90, n), fps=30, n_frames=45,
                             audio=tone(330, 1.5, amplitude=0.2)),
        "rotated": write_bitmap_video(d / "r.mp4", [["RG", "BW", "CM"]] * 5, rotation=90),
        "image": _png(d / "i.png"),
        "sound": write_audio(d / "s.wav", tone(440, 2.0, amplitude=0.2)),
        "dir": d,
    }


def _png(path):
    from PIL import Image

    Image.new("RGB", (40, 30), (200, 30, 30)).save(path)
    return path


def test_help_is_light():
    r = run("--help")
    assert r.returncode == 0 and "render" in r.stdout and "demo" in r.stdout
    # --help must not pull in the heavy libraries (that is what keeps it well under half a second)
    code = ("import sys; from capkit.cli.app import app; "
            "print(sorted(m for m in ('numpy', 'av', 'cv2', 'PIL', 'PySide6') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_version():
    r = run("--version")
    assert r.returncode == 0 and r.stdout.startswith("capkit ")


def test_probe_json_reports_display_size_after_rotation(files):
    r = run("probe", files["rotated"], "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["video"]["rotation"] == 90
    assert (info["video"]["display_width"], info["video"]["display_height"]) == (48, 32)
    r = run("probe", files["video"])
    assert r.returncode == 0 and "160x90" in r.stdout and "aac" in r.stdout


def test_new_then_render(files, tmp_path):
    project = tmp_path / "p.capkit"
    r = run("new", project, files["video"], files["image"], files["sound"], "--size", "360x640", "--fps", "30")
    assert r.returncode == 0, r.stderr
    doc = json.loads(project.read_text())
    kinds = [(t["kind"], [i["schema"].split(".")[0] for i in t["items"]]) for t in doc["project"]["tracks"]]
    assert kinds == [("video", ["VideoClip", "ImageClip"]), ("audio", ["AudioClip"])]
    out = tmp_path / "out.mp4"
    r = run("render", project, "-o", out, "--width", "180")
    assert r.returncode == 0, r.stderr
    with av.open(str(out)) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (180, 320)
        assert sum(1 for _ in c.decode(video=0)) == 45 + 90  # 1.5 s video + 3 s image at 30 fps
    r = run("render", project, "-o", tmp_path / "part.mp4", "--from", "1", "--to", "2", "--fps", "25")
    assert r.returncode == 0, r.stderr
    with av.open(str(tmp_path / "part.mp4")) as c:
        assert sum(1 for _ in c.decode(video=0)) == 25


@pytest.mark.parametrize("args, message", [
    (("render", "{d}/nope.capkit", "-o", "{d}/o.mp4"), "no such project file"),
    (("render", "{d}/broken.capkit", "-o", "{d}/o.mp4"), "cut short"),
    (("render", "{d}/good.capkit", "-o", "{d}/o.mp4", "--from", "5", "--to", "2"), "nothing to render"),
    (("render", "{d}/good.capkit", "-o", "{d}/o.avi"), "writes .mp4, .mov or .m4v"),
    (("render", "{d}/good.capkit", "-o", "{d}/missing/o.mp4"), "does not exist"),
    (("render", "{d}/good.capkit", "-o", "{d}/o.mp4", "--fps", "fast"), "is not a frame rate"),
    (("render", "{d}/good.capkit"), "Missing option"),
    (("new", "{d}/x.capkit", "--size", "10x"), "is not WIDTHxHEIGHT"),
    (("new", "{d}/x.capkit", "--size", "1081x1920"), "width must be even"),
    (("new", "{d}/x.capkit", "{d}/nothing.mp4"), "not found"),
    (("new", "{d}/x.txt"), "must end in .capkit"),
    (("probe", "{d}/broken.capkit"), "broken.capkit"),
    (("frobnicate",), "No such command"),
])
def test_bad_input_gets_one_clear_line(tmp_path, files, args, message):
    (tmp_path / "broken.capkit").write_text('{"format": "capkit.project", "format_version": 1, "proj')
    good = run("new", tmp_path / "good.capkit", files["video"])
    assert good.returncode == 0, good.stderr
    before = sorted(p.name for p in tmp_path.iterdir())
    text = one_clear_line(run(*(a.format(d=tmp_path) for a in args)))
    assert message in text, text
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written, nothing changed


def test_existing_project_is_not_overwritten(tmp_path):
    p = tmp_path / "p.capkit"
    p.write_text("mine")
    assert "already exists" in one_clear_line(run("new", p))
    assert p.read_text() == "mine"


def test_ctrl_c_cancels_and_removes_the_partial_file(tmp_path, files):
    from capkit import api

    project = api.new_project(720, 1280, 30)
    for _ in range(40):
        api.add_media(project, files["video"], fit="fill")
    api.save(project, tmp_path / "long.capkit")
    out = tmp_path / "long.mp4"
    proc = subprocess.Popen([CAPKIT, "render", str(tmp_path / "long.capkit"), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while time.time() < deadline and not any(p.name.endswith(".part.mp4") for p in tmp_path.iterdir()):
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.capkit"]


@pytest.mark.slow
def test_demo_renders_the_readme_demo(tmp_path):
    r = run("demo", "-o", tmp_path / "demo.mp4", "--project", tmp_path / "demo.capkit",
            env={"XDG_CACHE_HOME": str(tmp_path / "cache")}, timeout=600)
    assert r.returncode == 0, r.stderr
    with av.open(str(tmp_path / "demo.mp4")) as c:
        v = c.streams.video[0]
        assert (v.width, v.height) == (1080, 1920) and len(c.streams.audio) == 1
        assert v.frames == 390
    doc = json.loads((tmp_path / "demo.capkit").read_text())
    assert {t["kind"] for t in doc["project"]["tracks"]} == {"video", "text", "caption", "audio", "filter"}
    assert Fraction(doc["project"]["tracks"][0]["items"][1]["speed"]) == 2


def test_doctor_reports_backends_encoders_and_fonts():
    r = run("doctor", "--json", env={"OPENCV_OPENCL_DEVICE": ":CPU:"})
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["backends"]["cpu"]["available"] and info["backend_in_use"] == "cpu"
    assert info["backends"]["opencl"]["available"]  # PoCL, installed by scripts/bootstrap
    assert not info["backends"]["cuda"]["available"] and info["backends"]["cuda"]["reason"]
    assert info["encoders"]["libx264"] and info["encoders"]["aac"]
    assert info["text_shaping"]["raqm"]
    assert info["fonts"]["bundled"] and info["fonts"]["scripts"]["Latin"].startswith("Inter")
    assert info["fonts"]["scripts"]["Arabic"]  # fonts-hosny-amiri, installed by scripts/bootstrap
    text = run("doctor")
    assert text.returncode == 0 and "filter backends" in text.stdout and "cpu:" in text.stdout


@pytest.mark.parametrize("device, message", [("cuda", "not available here"), ("gpu", "must be one of")])
def test_unusable_device_is_reported_before_rendering(tmp_path, files, device, message):
    assert run("new", tmp_path / "p.capkit", files["video"]).returncode == 0
    r = run("render", tmp_path / "p.capkit", "-o", tmp_path / "o.mp4", env={"CAPKIT_DEVICE": device})
    assert message in one_clear_line(r)
    assert "Rendering" not in r.stderr and not (tmp_path / "o.mp4").exists()


FIXTURES = Path(__file__).resolve().parents[1] / "captions" / "fixtures"


@pytest.mark.slow
def test_caption_writes_srt_and_json_from_real_speech(tmp_path):
    speech = FIXTURES / "sentences_1.wav"
    r = run("caption", speech, "-o", tmp_path / "c.srt")
    assert r.returncode == 0, r.stderr
    text = (tmp_path / "c.srt").read_text().lower()
    assert "weather" in text and "park" in text and "-->" in text
    r = run("caption", speech, "-o", tmp_path / "c.json", "--layout", "word")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "c.json").read_text())
    assert doc["language"] == "en" and all(len(c["words"]) <= 3 for c in doc["cues"])
    starts = [Fraction(w["start"]) for c in doc["cues"] for w in c["words"]]
    assert starts == sorted(starts) and starts


def test_caption_refuses_bad_input_clearly(tmp_path, files):
    assert "captions are written as" in one_clear_line(run("caption", FIXTURES / "words.wav", "-o", tmp_path / "c.txt"))
    assert "--layout must be one of" in one_clear_line(run("caption", FIXTURES / "words.wav", "-o",
                                                           tmp_path / "c.srt", "--layout", "poem"))
    assert "has no sound" in one_clear_line(run("caption", files["rotated"], "-o", tmp_path / "c.srt"))
    assert not list(tmp_path.iterdir())
