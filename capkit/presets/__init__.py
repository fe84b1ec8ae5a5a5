"""Export presets for the platforms, as data: ``resources/presets/*.json`` and the user's own.

A preset says what a file for one destination must be (frame, rate, codec profile and bitrate
cap, GOP, audio, loudness target, length limits, the screen areas the app's buttons cover) and
where each number comes from, with the date it was checked. The numbers live in data files because
platforms change them; see ``/shared/PLATFORMS.md`` for the sources they were taken from.

    from capkit.presets import load_preset, export_settings
    preset = load_preset("tiktok")
    capkit.export(project, "out.mp4", **export_settings(preset))

User presets are ``<data>/presets/NAME.json`` in the same format (a user file named like a shipped
preset replaces it); ``capkit presets list | show NAME`` prints them.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from capkit.errors import CapkitError

FORMAT = "capkit.export-preset"
VERSION = 1


class PresetError(CapkitError):
    """A preset that cannot be found or read."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    what: str  # which numbers this source backs
    where: str  # a URL or the name of the guide
    checked: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")  # the date someone last checked it
    official: bool = False


class Video(_Strict):
    # auto: a hardware H.264 encoder when one works here (capkit.render.hwenc), else libx264
    codec: Literal["auto", "libx264", "h264_nvenc", "h264_videotoolbox", "h264_qsv", "h264_amf"] = "auto"
    profile: Literal["baseline", "main", "high"] = "high"
    crf: int = Field(20, ge=0, le=51)
    max_bitrate: int = Field(gt=0, description="bits per second; the VBV cap of the encoder")
    gop_seconds: float = Field(0.5, gt=0, le=10)


class Audio(_Strict):
    codec: Literal["aac"] = "aac"
    sample_rate: Literal[44100, 48000] = 48000
    bitrate: int = Field(192_000, ge=64_000, le=512_000)


class Loudness(_Strict):
    integrated_lufs: float = Field(-14.0, ge=-40, le=-5)
    true_peak_dbtp: float = Field(-1.0, ge=-9, le=0)


class SafeZone(_Strict):
    """Pixels from each edge of the preset's frame that the platform's interface covers."""

    top: int = Field(0, ge=0)
    bottom: int = Field(0, ge=0)
    left: int = Field(0, ge=0)
    right: int = Field(0, ge=0)


class Preset(_Strict):
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str
    platform: str
    width: int = Field(ge=16, le=8192)
    height: int = Field(ge=16, le=8192)
    fps: int = Field(30, ge=1, le=120)
    video: Video
    audio: Audio = Audio()
    loudness: Loudness = Loudness()
    min_seconds: float = Field(0, ge=0)
    max_seconds: float | None = Field(None, gt=0)
    aspect_rule: Literal["exact", "square-or-taller"] = "exact"
    safe_zone: SafeZone = SafeZone()
    notes: str = ""
    sources: list[Source] = Field(min_length=1)

    @model_validator(mode="after")
    def _even(self) -> Preset:
        if self.width % 2 or self.height % 2:
            raise ValueError(f"frame {self.width}x{self.height} must have even sides (H.264 needs them)")
        return self

    @property
    def aspect(self) -> Fraction:
        return Fraction(self.width, self.height)


def builtin_dir() -> Path:
    from capkit.resources import resource_path

    return resource_path("presets")


def user_dir() -> Path:
    from capkit.userdirs import data_dir

    return data_dir() / "presets"


def _files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in (builtin_dir(), user_dir()):
        if folder.is_dir():
            for path in sorted(folder.glob("*.json")):
                found[path.stem] = path
    return found


def read_preset(path: str | os.PathLike) -> Preset:
    from capkit.io.text_files import read_data_file

    path = Path(path)
    doc = read_data_file(path, FORMAT, VERSION, "export preset", PresetError)
    try:
        preset = Preset.model_validate(doc.get("preset"))
    except ValidationError as err:
        first = err.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "preset"
        raise PresetError(f"{path}: preset.{where}: {first['msg']}") from None
    if preset.name != path.stem:
        raise PresetError(f"{path}: the preset is named {preset.name!r}; name the file {preset.name}.json")
    return preset


def names() -> list[str]:
    return sorted(_files())


def load_preset(name_or_path: str | os.PathLike) -> Preset:
    key = os.fspath(name_or_path)
    files = _files()
    if key in files:
        return read_preset(files[key])
    if key.endswith(".json") or os.sep in key:
        return read_preset(key)
    raise PresetError(f"no export preset named {key!r}; choose one of {', '.join(sorted(files))}")


def presets() -> list[Preset]:
    """Every preset that reads cleanly."""
    out = []
    for path in _files().values():
        try:
            out.append(read_preset(path))
        except PresetError:
            continue
    return sorted(out, key=lambda p: p.name)


def export_settings(preset: Preset) -> dict:
    """Keyword arguments for :func:`capkit.export` that make a file as the preset asks."""
    from capkit.render.export import ExportSettings

    out = {
        "width": preset.width, "height": preset.height, "fps": Fraction(preset.fps),
        "video_codec": preset.video.codec, "profile": preset.video.profile, "crf": preset.video.crf,
        "max_bitrate": preset.video.max_bitrate, "gop_seconds": Fraction(preset.video.gop_seconds).limit_denominator(1000),
        "audio_codec": preset.audio.codec, "audio_bitrate": preset.audio.bitrate,
    }
    fields = ExportSettings.__dataclass_fields__
    if "loudness_target" in fields:  # loudness normalisation, when the engine has it
        out["loudness_target"] = preset.loudness.integrated_lufs
        out["true_peak_max"] = preset.loudness.true_peak_dbtp
    return out


__all__ = ["Preset", "PresetError", "export_settings", "load_preset", "names", "presets", "read_preset"]
