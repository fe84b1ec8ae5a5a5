"""One project, several deliverables: each preset of another shape gets its own reframing and
caption placement; the project itself is not changed."""

import os
import subprocess
import sys
from fractions import Fraction as F
from pathlib import Path

import av
import numpy as np
import pytest

import capkit
from capkit.io.project_file import dumps
from capkit.model.captions import Cue, Word
from capkit.presets import load_preset
from capkit.presets.deliverables import adapt, needs_adapting
from capkit.synth.video import write_video

CAPKIT = str(Path(sys.executable).with_name("capkit"))
PURPLE = np.array([0x7C, 0x3A, 0xED])


@pytest.fixture(scope="module")
def landscape_clip(tmp_path_factory):
    """3 s of 640x360 grey with a bright disc moving left to right (no face: the motion fallback)."""
    import cv2

    def frame(n):
        img = np.full((360, 640, 3), 70, np.uint8)
        cv2.circle(img, (60 + n * 5, 180), 40, (250, 240, 200), -1)
        return img

    return write_video(tmp_path_factory.mktemp("deliv") / "wide.mp4", frame, fps=30, n_frames=90)


def vertical_project(clip):
    project = capkit.new_project(1080, 1920)
    capkit.add_media(project, clip, fit="fill")
    words = tuple(Word(w, F(i, 2), F(i + 1, 2)) for i, w in enumerate("one project many shapes".split()))
    capkit.add_captions(project, [Cue(F(0), F(3), "one project many shapes", words)], style="box-highlight")
    return project


def test_adapt_reframes_and_moves_captions_without_touching_the_project(landscape_clip):
    project = vertical_project(landscape_clip)
    before = dumps(project)
    youtube, tiktok = load_preset("youtube"), load_preset("tiktok")
    assert needs_adapting(project, youtube) and not needs_adapting(project, tiktok)
    wide = adapt(project, youtube)
    assert dumps(project) == before
    clip = wide.project.tracks_of("video")[0].items[0]
    caption = wide.project.tracks_of("caption")[0].items[0]
    assert (wide.project.settings.width, wide.project.settings.height) == (1920, 1080)
    assert clip.transform.fit == "fill" and "x" not in clip.keyframes  # 16:9 source on a 16:9 canvas
    assert caption.transform.y == 0.85 and caption.style.text.size == project.tracks_of("caption")[0].items[0].style.text.size
    assert any("caption" in n for n in wide.notes)

    square = adapt(project, load_preset("square"))
    clip = square.project.tracks_of("video")[0].items[0]
    xs = [k.value for k in clip.keyframes["x"]]
    assert len(xs) >= 2 and xs[0] > xs[-1]  # the pan follows the disc to the right


def test_render_several_presets_in_one_command(tmp_path, landscape_clip):
    capkit.save(vertical_project(landscape_clip), tmp_path / "p.capkit")
    r = subprocess.run([CAPKIT, "render", tmp_path / "p.capkit", "-o", tmp_path / "out-{preset}.mp4",
                        "--preset", "tiktok", "--preset", "youtube"], capture_output=True, text=True,
                       timeout=600, env={**os.environ, "COLUMNS": "200"})
    assert r.returncode == 0, r.stderr
    assert "YouTube 16:9: 1 clip(s) centred" in r.stdout and "caption(s) placed for landscape" in r.stdout
    frames = {}
    for name in ("tiktok", "youtube"):
        with av.open(str(tmp_path / f"out-{name}.mp4")) as c:
            for i, f in enumerate(c.decode(video=0)):
                if i == 40:  # 1.33 s: the third word is active
                    frames[name] = f.to_ndarray(format="rgb24")
                    break
    wide = frames["youtube"]
    assert wide.shape == (1080, 1920, 3)
    assert wide[:, :200].mean() > 40 and wide[:, -200:].mean() > 40  # filled: no black bars
    ys = np.nonzero((np.abs(wide.astype(int) - PURPLE).sum(axis=2) < 60))[0]
    assert len(ys) > 500 and ys.mean() > 0.75 * 1080  # the caption sits low in the landscape frame
    tall = frames["tiktok"]
    ys = np.nonzero((np.abs(tall.astype(int) - PURPLE).sum(axis=2) < 60))[0]
    assert len(ys) > 500 and 0.4 * 1920 < ys.mean() < 0.65 * 1920
