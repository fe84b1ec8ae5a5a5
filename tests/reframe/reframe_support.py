"""Generated footage for the auto-reframe tests: a drawn face that OpenCV's frontal-face Haar
cascade detects, moving over a textured background, with its true position known per frame."""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from capkit.synth import write_video

WIDTH, HEIGHT, FPS = 640, 360, 30


def draw_face(img: np.ndarray, cx: float, cy: float, w: float) -> None:
    """A frontal face ``w`` pixels wide centred at (cx, cy), drawn into an RGB image: hair, skin,
    brows, eyes, a nose shadow and a mouth, which is what the cascade's features look for."""
    def at(fx: float, fy: float) -> tuple[int, int]:
        return round(cx + fx * w), round(cy + fy * w)

    def axes(a: float, b: float) -> tuple[int, int]:
        return max(1, round(a * w)), max(1, round(b * w))

    hair, brow = (45, 30, 20), (60, 40, 30)
    cv2.ellipse(img, at(0, -0.12), axes(0.56, 0.62), 0, 180, 360, hair, -1, cv2.LINE_AA)
    cv2.ellipse(img, at(0, 0), axes(0.5, 0.65), 0, 0, 360, (224, 172, 140), -1, cv2.LINE_AA)
    cv2.ellipse(img, at(0, -0.42), axes(0.5, 0.25), 0, 180, 360, hair, -1, cv2.LINE_AA)
    for side in (-1, 1):
        cv2.ellipse(img, at(side * 0.2, -0.2), axes(0.13, 0.035), 0, 0, 360, brow, -1, cv2.LINE_AA)
        cv2.ellipse(img, at(side * 0.2, -0.08), axes(0.11, 0.055), 0, 0, 360, (245, 245, 245), -1, cv2.LINE_AA)
        cv2.circle(img, at(side * 0.2, -0.08), max(1, round(0.055 * w)), (40, 30, 25), -1, cv2.LINE_AA)
    cv2.ellipse(img, at(0, 0.12), axes(0.06, 0.1), 0, 0, 360, (190, 140, 110), -1, cv2.LINE_AA)
    cv2.ellipse(img, at(0, 0.33), axes(0.16, 0.05), 0, 0, 360, (150, 60, 60), -1, cv2.LINE_AA)


def background(width: int = WIDTH, height: int = HEIGHT, seed: int = 3) -> np.ndarray:
    """A still, textured backdrop: blurred noise, a gradient and a few soft shapes."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 70, (height, width, 1)).astype(np.float32)
    picture = cv2.GaussianBlur(noise, (0, 0), 2.0)[:, :, None] + np.linspace(60, 120, width)[None, :, None]
    picture = np.clip(picture.repeat(3, axis=2) * np.array([0.9, 1.0, 1.1]), 0, 255).astype(np.uint8)
    for _ in range(6):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        colour = tuple(int(c) for c in rng.integers(40, 200, 3))
        cv2.rectangle(picture, (x, y), (x + int(rng.integers(20, 80)), y + int(rng.integers(20, 80))), colour, -1)
    return picture


def face_track(t: float, width: int = WIDTH) -> tuple[float, float, float]:
    """The face's centre (x, y) and width in pixels at ``t`` seconds on a 16:9 picture ``width``
    wide: left and right across most of it with changing speed (up to about 0.4 widths a
    second), a little up and down."""
    k = width / WIDTH
    x = WIDTH / 2 + 185 * math.sin(2 * math.pi * t / 7) + 35 * math.sin(2 * math.pi * t / 2.3)
    y = HEIGHT / 2 + 22 * math.sin(2 * math.pi * t / 3.1)
    w = 84 + 10 * math.sin(2 * math.pi * t / 4.3)
    return x * k, y * k, w * k


def write_face_video(path: Path, seconds: float = 10.0, width: int = WIDTH) -> Path:
    """The moving face of :func:`face_track` over :func:`background`, 16:9, ``width`` wide."""
    height = width * 9 // 16 // 2 * 2
    backdrop = background(width, height)

    def frame(i: int) -> np.ndarray:
        picture = backdrop.copy()
        draw_face(picture, *face_track(i / FPS, width))
        return picture

    return write_video(path, frame, n_frames=round(seconds * FPS), fps=Fraction(FPS), crf=23)


def object_track(t: float, width: int = WIDTH) -> float:
    """x (pixels) of the bright object of :func:`write_object_video`: across and back."""
    return (WIDTH / 2 + 200 * math.sin(2 * math.pi * t / 6)) * width / WIDTH


def write_object_video(path: Path, seconds: float = 6.0, width: int = WIDTH) -> Path:
    """No face: a bright disc moving over a plain dark background, 16:9, ``width`` wide."""
    height = width * 9 // 16 // 2 * 2

    def frame(i: int) -> np.ndarray:
        picture = np.full((height, width, 3), 30, np.uint8)
        centre = (round(object_track(i / FPS, width)), height // 2)
        cv2.circle(picture, centre, round(40 * width / WIDTH), (250, 240, 200), -1, cv2.LINE_AA)
        return picture

    return write_video(path, frame, n_frames=round(seconds * FPS), fps=Fraction(FPS), crf=23)


def write_still_video(path: Path, seconds: float = 4.0) -> Path:
    """Nothing moves: a textured scene with an off-centre bright object."""
    picture = background(seed=5)
    cv2.circle(picture, (430, 170), 45, (250, 240, 210), -1, cv2.LINE_AA)
    return write_video(path, lambda i: picture, n_frames=round(seconds * FPS), fps=Fraction(FPS), crf=23)


def write_two_face_video(path: Path, seconds: float = 6.0) -> Path:
    """A small face still at the top right from the start, and a much larger one that walks in
    at 2 s and moves like :func:`face_track` (at 0.8 of its x, 40 px lower)."""
    backdrop = background()

    def frame(i: int) -> np.ndarray:
        picture = backdrop.copy()
        draw_face(picture, 560, 120, 62)
        if i / FPS >= 2:
            x, y, _ = face_track(i / FPS)
            draw_face(picture, x * 0.8, y + 40, 100)
        return picture

    return write_video(path, frame, n_frames=round(seconds * FPS), fps=Fraction(FPS), crf=23)
