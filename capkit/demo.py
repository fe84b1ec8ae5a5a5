"""The demo project: generated footage, a title, a music bed, transitions and a speed change.

``capkit demo`` renders it; the tests and the README's screenshots use it too. The media are made
by :mod:`capkit.synth` (licence-clean, no downloads) once into the user cache folder.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from capkit import api
from capkit.captions.layout import layout
from capkit.model import Animation, Keyframe, Project, Shadow, Stroke, TextBox, TextStyle, Transition
from capkit.model.captions import Word
from capkit.model.edits import SetKeyframe, SetSpeed

DEMO_VERSION = 1
FOOTAGE_SIZE = (1280, 720)
FPS = 30


def media_dir() -> Path:
    from capkit.userdirs import cache_dir

    folder = cache_dir() / f"demo-media-{DEMO_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _dusk(frame: np.ndarray) -> np.ndarray:
    """A warmer, darker variant of the pattern so the two shots look different."""
    out = frame.astype(np.float32)
    out *= np.array([1.05, 0.78, 0.85], np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def make_media(folder: Path | None = None) -> dict[str, Path]:
    """Write the demo's footage, end card and music (skipped when already there)."""
    from PIL import Image, ImageDraw

    from capkit.synth.audio import music_bed, write_audio
    from capkit.synth.video import scene_pattern, write_video

    folder = folder or media_dir()
    w, h = FOOTAGE_SIZE
    paths = {
        "day": folder / "day.mp4",
        "dusk": folder / "dusk.mp4",
        "card": folder / "card.png",
        "music": folder / "music.m4a",
    }
    if not paths["day"].exists():
        write_video(paths["day"], lambda n: scene_pattern(w, h, n, FPS), fps=FPS, n_frames=6 * FPS)
    if not paths["dusk"].exists():
        write_video(paths["dusk"], lambda n: _dusk(scene_pattern(w, h, n + 200, FPS)), fps=FPS, n_frames=8 * FPS)
    if not paths["card"].exists():
        img = Image.new("RGB", (1080, 1920))
        top, bottom = np.array([36, 18, 82]), np.array([230, 80, 110])
        ramp = np.linspace(0, 1, 1920)[:, None, None]
        img = Image.fromarray((top + (bottom - top) * ramp).astype(np.uint8).repeat(1080, axis=1))
        draw = ImageDraw.Draw(img)
        for r, a in ((420, 40), (300, 70), (180, 110)):
            draw.ellipse((540 - r, 820 - r, 540 + r, 820 + r), outline=(255, 255, 255), width=6)
        img.save(paths["card"])
    if not paths["music"].exists():
        write_audio(paths["music"], music_bed(16.0, bpm=104, seed=3))
    return paths


def build_demo(folder: Path | None = None) -> Project:
    """A 9:16 project of about 13 seconds that shows what the engine does."""
    m = make_media(folder)
    p = api.new_project(1080, 1920, FPS, name="capkit demo", background="#101018")
    day = api.add_media(p, m["day"], duration=5, fit="fill")
    dusk = api.add_media(p, m["dusk"], fit="fill")
    dusk.transition_in = Transition("crossfade", Fraction(2, 3))
    SetSpeed(dusk.id, 2).apply(p)  # 8 s of dusk at double speed: 4 s
    card = api.add_media(p, m["card"], duration=4, fit="fill")
    card.transition_in = Transition("slide", Fraction(1, 2), "left")
    SetKeyframe(day.id, "scale", Keyframe(Fraction(0), 1.0, "ease_in_out")).apply(p)
    SetKeyframe(day.id, "scale", Keyframe(Fraction(5), 1.15)).apply(p)

    title = TextStyle(size=118, bold=True, color="#FFFFFF", stroke=Stroke("#101018", 8),
                      shadow=Shadow("#00000090", 0, 6, 14))
    api.add_text(p, "Made with\ncapkit", start=Fraction(1, 3), duration=Fraction(13, 3), y=0.3, style=title,
                 animation_in="pop", animation_out="fade")
    chip = TextStyle(size=64, color="#101018", box=TextBox("#FFD23FEE", 22, 26), bold=True)
    api.add_text(p, "2x speed ▸▸", start=Fraction(29, 6), duration=3, y=0.72, style=chip,
                 animation_in="slide_up", animation_out="fade")
    api.add_text(p, "Offline. Yours.", start=Fraction(19, 2), duration=Fraction(7, 2), y=0.47,
                 style=TextStyle(size=96, color="#FFFFFF", shadow=Shadow()),
                 animation_in=Animation("typewriter", Fraction(3, 2)))
    # Captions as a creator gets them from speech: timed words, the spoken one highlighted.
    line = "Captions that follow every word you say"
    words = tuple(Word(w, Fraction(5) + Fraction(2, 5) * i, Fraction(5) + Fraction(2, 5) * (i + 1))
                  for i, w in enumerate(line.split()))
    api.add_captions(p, layout(list(words), "phrase"), style="box-highlight")
    api.add_audio(p, m["music"], duration=p.duration, volume_db=-6, fade_in=1, fade_out=Fraction(3, 2))
    api.add_filter(p, "grade", {"contrast": 1.08, "saturation": 1.15, "brightness": 0.01})
    api.add_filter(p, "vignette", {"strength": 0.3}, start=0, duration=p.duration)
    _ = card
    return p
