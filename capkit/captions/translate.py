"""Caption translation, offline: caption text from one language to another, keeping its timing.

Public API::

    from capkit.captions.translate import translate_cues, get_translator, install_package
    cues = layout(transcript.words, "subtitle")
    english = translate_cues(cues, "en", source=transcript.language)               # replaced text
    both = translate_cues(cues, "en", source=transcript.language, bilingual=True)  # two languages

Speech to English needs no translator: whisper does it while transcribing
(``transcribe(path, model="base", task="translate")``). Everything else goes through a
:class:`Translator`: anything with a ``name``, ``pairs()`` (the ``(source, target)`` language
code pairs it can do) and ``translate(texts, source, target)`` (a batch of texts in, the same
number of translations out, in order). :func:`get_translator` picks the first installed backend
that can do a pair, or raises :class:`CaptionError` saying what to install.

One backend ships: **Argos Translate** (:class:`ArgosTranslator`), optional, imported only when
used. It uses the Argos language packages installed on the machine (``.argosmodel`` files, one
per direction, e.g. ``translate-es_en-1_0.argosmodel``); :func:`install_package` installs one from
a file the user has. Nothing is downloaded: capkit never contacts Argos's package index, and it
runs the package's CTranslate2 model and tokenizer itself, one batch for all cues, without Argos's
sentence splitter (which may fetch a model from the network on first use). Two packages through a
common language (``es->en`` + ``en->de``) give ``es->de``.

How cues are translated (:func:`translate_cues`):

* Every cue keeps its ``start`` and ``end`` exactly (the same objects).
* Each cue's text is translated as one line (its lines joined with a space), all cues in a
  single ``translate`` call; empty cues are not sent and stay empty.
* ``bilingual=True`` keeps the original ``text`` and ``words`` and puts the translation, one
  line, in ``Cue.translation``; subtitle writers show it as the cue's last line
  (``read_subtitles(path, bilingual=True)`` reads it back).
* Otherwise the translation replaces ``text`` and ``words`` becomes ``()``: a translation has no
  per-word timing (word-by-word karaoke needs the original language). A cue of several lines is
  re-wrapped into as many balanced lines of at most ``max_chars_per_line`` characters (wider only
  when the translation cannot fit otherwise); a one-line cue stays one line. ``translation`` is
  cleared.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

from capkit.captions.layout import wrap_lines
from capkit.captions.models import CaptionError
from capkit.model.captions import Cue

__all__ = [
    "ArgosTranslator",
    "Translator",
    "available_translators",
    "get_translator",
    "install_package",
    "register_translator",
    "translate_cues",
    "unregister_translator",
]

_CODE = re.compile(r"^[a-z]{2,3}$")
_INSTALL_HINT = (
    "pip install argostranslate, or the lighter argos-translate-lt, which does not need PyTorch"
)


@runtime_checkable
class Translator(Protocol):
    """A machine translator for caption text."""

    name: str

    def pairs(self) -> set[tuple[str, str]]:
        """The (source, target) ISO 639-1 code pairs this translator can do now."""
        ...

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        """One translation per text, in order (a batch: called once for all cues)."""
        ...


def _code(code: str, what: str) -> str:
    c = str(code).strip().lower()
    if not _CODE.match(c):
        raise CaptionError(
            f"{what} language {code!r} is not a language code: use an ISO 639-1 code such as "
            f"'en', 'es' or 'fr'"
        )
    return c


# --- registry --------------------------------------------------------------------------------

# name -> factory returning a ready Translator, or None when its library is not installed
_BACKENDS: dict[str, Callable[[], Translator | None]] = {}
_backends_lock = threading.Lock()


def register_translator(name: str, factory: Callable[[], Translator | None]) -> None:
    """Add (or replace) a translation backend; ``factory()`` returns None when it is unusable."""
    with _backends_lock:
        _BACKENDS[name] = factory


def unregister_translator(name: str) -> None:
    """Remove a backend added with :func:`register_translator` (no error if absent)."""
    with _backends_lock:
        _BACKENDS.pop(name, None)


def available_translators() -> list[Translator]:
    """The installed translation backends, in order of preference."""
    with _backends_lock:
        factories = list(_BACKENDS.values())
    out = []
    for factory in factories:
        t = factory()
        if t is not None:
            out.append(t)
    return out


def get_translator(source: str, target: str) -> Translator:
    """The first installed backend that translates ``source`` to ``target`` (ISO 639-1 codes).

    Raises :class:`CaptionError` naming the pair and what to install when none can.
    """
    s, t = _code(source, "source"), _code(target, "target")
    if s == t:
        raise CaptionError(f"nothing to translate: the source and target language are both {s!r}")
    translators = available_translators()
    for tr in translators:
        if (s, t) in tr.pairs():
            return tr
    speech = (
        "; for speech, transcribe with task='translate' (model 'base') to get English"
        if t == "en"
        else ""
    )
    if not translators:
        raise CaptionError(
            f"no offline translator for {s} -> {t}: none is installed; install Argos Translate "
            f"({_INSTALL_HINT}) and its {s}->{t} language package from an .argosmodel file with "
            f"capkit.captions.translate.install_package(PATH){speech}"
        )
    have = "; ".join(
        f"{tr.name} has {', '.join(f'{a}->{b}' for a, b in sorted(tr.pairs())) or 'no language packages'}"
        for tr in translators
    )
    raise CaptionError(
        f"no offline translator for {s} -> {t} ({have}): install the {s}->{t} language package "
        f"(an .argosmodel file) with capkit.captions.translate.install_package(PATH){speech}"
    )


# --- translating cues ------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _wrap(text: str, lines: int, max_chars: int) -> str:
    """``text`` in at most ``lines`` balanced lines of ``max_chars``, wider if it must be."""
    words = text.split()
    if lines <= 1 or not words:
        return " ".join(words)
    got = wrap_lines(words, max_chars, lines)
    if got is None:  # too long for the limit: the narrowest width that fits the same lines
        lo, hi = max(max_chars, max(map(len, words))), len(text)
        while lo < hi:
            mid = (lo + hi) // 2
            if wrap_lines(words, mid, lines) is None:
                lo = mid + 1
            else:
                hi = mid
        got = wrap_lines(words, lo, lines) or [" ".join(words)]
    return "\n".join(got)


def translate_cues(
    cues: Sequence[Cue],
    target: str,
    *,
    source: str,
    translator: Translator | None = None,
    bilingual: bool = False,
    max_chars_per_line: int = 42,
) -> list[Cue]:
    """The cues translated from ``source`` to ``target`` (ISO 639-1 codes), timing unchanged.

    ``translator`` defaults to :func:`get_translator` for the pair. With ``bilingual`` the
    original text and words stay and the translation goes into ``Cue.translation``; otherwise it
    replaces the text and the cue has no words (see the module docstring).
    """
    s, t = _code(source, "source"), _code(target, "target")
    cue_list = list(cues)
    if translator is None:
        translator = get_translator(s, t)
    elif s == t:
        raise CaptionError(f"nothing to translate: the source and target language are both {s!r}")
    texts = [_one_line(c.text) for c in cue_list]
    todo = [i for i, x in enumerate(texts) if x]
    done: list[str] = []
    if todo:
        try:
            done = translator.translate([texts[i] for i in todo], s, t)
        except CaptionError:
            raise
        except Exception as exc:  # a backend's own failure, with its name and the pair
            raise CaptionError(
                f"translating captions {s} -> {t} with {getattr(translator, 'name', translator)!r} "
                f"failed: {exc}"
            ) from exc
        done = list(done)
        if len(done) != len(todo) or not all(isinstance(x, str) for x in done):
            raise CaptionError(
                f"translator {getattr(translator, 'name', translator)!r} returned {len(done)} "
                f"texts for {len(todo)} captions ({s} -> {t}); it must return one string per text"
            )
    out_text = [""] * len(cue_list)
    for i, x in zip(todo, done):
        out_text[i] = _one_line(x)
    result = []
    for cue, tr in zip(cue_list, out_text):
        if bilingual:
            result.append(dataclasses.replace(cue, translation=tr))
        else:
            lines = len([ln for ln in cue.text.split("\n") if ln.strip()])
            result.append(
                dataclasses.replace(
                    cue, text=_wrap(tr, lines, max_chars_per_line), words=(), translation=""
                )
            )
    return result


# --- Argos Translate backend -----------------------------------------------------------------


def _argos_installed() -> bool:
    try:
        return importlib.util.find_spec("argostranslate") is not None
    except (ImportError, ValueError):
        return False


def _default_package_dirs() -> list[Path]:
    if not _argos_installed():
        raise CaptionError(f"Argos Translate is not installed: {_INSTALL_HINT}")
    try:
        from argostranslate import settings  # creates Argos's folders on first import
    except OSError as exc:
        raise CaptionError(
            f"Argos Translate cannot set up its folders ({exc.strerror or exc}: "
            f"{getattr(exc, 'filename', '') or ''}); set ARGOS_PACKAGES_DIR to a writable folder"
        ) from exc
    return [Path(p) for p in settings.package_dirs]


def _read_metadata(folder: Path) -> dict | None:
    try:
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def _pair_of(meta: dict) -> tuple[str, str] | None:
    if meta.get("type", "translate") != "translate":
        return None
    a, b = str(meta.get("from_code") or "").lower(), str(meta.get("to_code") or "").lower()
    return (a, b) if _CODE.match(a) and _CODE.match(b) and a != b else None


class ArgosTranslator:
    """Argos Translate language packages, run offline with CTranslate2 (see the module docstring).

    ``packages_dir`` is the folder of installed packages; by default Argos's own
    (``ARGOS_PACKAGES_DIR``, else ``~/.local/share/argos-translate/packages``).
    """

    name = "argostranslate"

    def __init__(self, packages_dir: str | os.PathLike[str] | None = None) -> None:
        self._dirs = [Path(packages_dir)] if packages_dir is not None else None

    @classmethod
    def load(cls) -> ArgosTranslator | None:
        """An instance on Argos's package folder, or None when Argos Translate is not installed."""
        return cls() if _argos_installed() else None

    def _packages(self) -> dict[tuple[str, str], Path]:
        dirs = self._dirs if self._dirs is not None else _default_package_dirs()
        found: dict[tuple[str, str], Path] = {}
        for d in dirs:
            if not d.is_dir():
                continue
            for folder in sorted(d.iterdir()):
                if folder.name.startswith(".") or not folder.is_dir():
                    continue
                meta = _read_metadata(folder)
                pair = _pair_of(meta) if meta is not None else None
                if pair is not None and (folder / "model").is_dir():
                    found.setdefault(pair, folder)
        return found

    def _route(self, source: str, target: str) -> list[Path] | None:
        pk = self._packages()
        if (source, target) in pk:
            return [pk[(source, target)]]
        for (a, b), first in sorted(pk.items()):
            if a == source and (b, target) in pk:
                return [first, pk[(b, target)]]
        return None

    def pairs(self) -> set[tuple[str, str]]:
        direct = set(self._packages())
        pivot = {(a, d) for a, b in direct for c, d in direct if b == c and a != d}
        return direct | pivot

    def translate(self, texts: list[str], source: str, target: str) -> list[str]:
        s, t = _code(source, "source"), _code(target, "target")
        route = self._route(s, t)
        if route is None:
            raise CaptionError(
                f"no Argos language package for {s} -> {t} in "
                f"{', '.join(str(d) for d in (self._dirs or _default_package_dirs()))}: install "
                f"one with capkit.captions.translate.install_package(PATH)"
            )
        out = list(texts)
        for folder in route:
            out = self._run(folder, out)
        return out

    def _run(self, folder: Path, texts: list[str]) -> list[str]:
        if not texts:
            return []
        pkg, model = self._model(folder)
        tokens = [pkg.tokenizer.encode(x) for x in texts]
        prefix = getattr(pkg, "target_prefix", "") or ""
        results = model.translate_batch(
            tokens,
            target_prefix=[[prefix]] * len(tokens) if prefix else None,
            replace_unknowns=True,
            max_batch_size=32,
            beam_size=4,
            num_hypotheses=1,
            length_penalty=0.2,
            max_decoding_length=max(16, 3 * max(len(x) for x in tokens) + 8),
        )
        out = []
        for r in results:
            value = pkg.tokenizer.decode(r.hypotheses[0])
            if prefix and value.startswith(prefix):
                value = value[len(prefix):]
            out.append(value.strip())
        return out

    def _model(self, folder: Path):
        try:
            st = (folder / "model" / "model.bin").stat()
        except OSError as exc:
            raise CaptionError(
                f"the Argos language package in {folder} is broken (no model/model.bin); "
                f"reinstall it with capkit.captions.translate.install_package(PATH)"
            ) from exc
        key = (str(folder.resolve()), st.st_size, st.st_mtime_ns)
        with _models_lock:
            got = _models.get(key)
            if got is not None:
                return got
            if not _argos_installed():
                raise CaptionError(f"Argos Translate is not installed: {_INSTALL_HINT}")
            import ctranslate2
            from argostranslate.package import Package

            try:
                pkg = Package(folder)
                if getattr(pkg, "tokenizer", None) is None:
                    raise ValueError("no sentencepiece.model or bpe.model")
                model = ctranslate2.Translator(str(folder / "model"), device="cpu")
            except (OSError, ValueError, RuntimeError) as exc:
                raise CaptionError(
                    f"the Argos language package in {folder} is broken ({exc}); reinstall it with "
                    f"capkit.captions.translate.install_package(PATH)"
                ) from exc
            _models[key] = (pkg, model)
            return pkg, model


# loaded packages and their CTranslate2 models, by folder and model.bin size and mtime
_models: dict[tuple[str, int, int], tuple[object, object]] = {}
_models_lock = threading.Lock()


register_translator("argostranslate", ArgosTranslator.load)


def install_package(
    path: str | os.PathLike[str], *, packages_dir: str | os.PathLike[str] | None = None
) -> tuple[str, str]:
    """Install an Argos language package from an ``.argosmodel`` file; return its (source, target).

    ``packages_dir`` defaults to Argos's package folder (Argos Translate must then be installed).
    A package of the same name is replaced. Nothing is downloaded. Raises :class:`CaptionError`
    for a missing file, a file that is not an Argos package, or a package without a model.
    """
    src = Path(path).expanduser()
    if not src.is_file():
        raise CaptionError(
            f"Argos language package {str(src)!r} does not exist: give the path of an "
            f".argosmodel file"
        )
    where = f"{src.name}: not an Argos language package"
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as exc:
        raise CaptionError(f"{where} (not a zip archive: {exc}); is the file complete?") from None
    with zf:
        names = [n for n in zf.namelist() if n and not n.startswith("__MACOSX/")]
        tops = {n.split("/", 1)[0] for n in names}
        if len(tops) != 1 or not any("/" in n for n in names):
            raise CaptionError(f"{where} (expected one folder holding metadata.json and model/)")
        top = next(iter(tops))
        if top in ("", ".", "..") or top.startswith("."):
            raise CaptionError(f"{where} (bad folder name {top!r})")
        try:
            meta = json.loads(zf.read(f"{top}/metadata.json").decode("utf-8"))
        except KeyError:
            raise CaptionError(f"{where} (no {top}/metadata.json)") from None
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, OSError) as exc:
            raise CaptionError(f"{where} ({top}/metadata.json is unreadable: {exc})") from None
        pair = _pair_of(meta) if isinstance(meta, dict) else None
        if pair is None:
            raise CaptionError(
                f"{where} ({top}/metadata.json names no translation: expected 'from_code' and "
                f"'to_code' language codes)"
            )
        if f"{top}/model/model.bin" not in names:
            raise CaptionError(f"{where} (no {top}/model/model.bin)")
        if f"{top}/sentencepiece.model" not in names and f"{top}/bpe.model" not in names:
            raise CaptionError(f"{where} (no {top}/sentencepiece.model or bpe.model)")
        dest_root = Path(packages_dir) if packages_dir is not None else _default_package_dirs()[0]
        try:
            dest_root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".capkit-install-", dir=dest_root))
        except OSError as exc:
            raise CaptionError(
                f"cannot install {src.name} into {dest_root}: {exc.strerror or exc}"
            ) from None
        try:
            try:
                zf.extractall(tmp)  # zipfile drops absolute paths and '..' components
            except (zipfile.BadZipFile, OSError, EOFError) as exc:
                raise CaptionError(f"{where} (cannot extract it: {exc}); is the file complete?") from None
            final = dest_root / top
            if final.exists():
                shutil.rmtree(final)
            os.replace(tmp / top, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    # Argos caches its list of installed languages; refresh it if it is loaded
    mod = sys.modules.get("argostranslate.translate")
    cached = getattr(mod, "get_installed_languages", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()
    return pair
