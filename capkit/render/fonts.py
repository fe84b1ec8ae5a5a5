"""Fonts for text rendering: finding a font file, and choosing one for every character.

A text style names its font as a family ("Inter", "Amiri") or as a path to a font file. A family
is looked up in capkit's bundled fonts first, then in the fonts installed on the machine (through
fontconfig's ``fc-list`` where it exists, otherwise by scanning the usual font folders of Windows,
macOS and Linux). An unknown family falls back to the bundled default without an error; a path that
does not exist is a :class:`~capkit.errors.RenderError`.

No font has every script, so a string is drawn with a *fallback chain*: the chosen font first, then,
for each character it lacks, the first installed font that has it (a short list of well-known
families per script is tried before any other installed font). :func:`font_runs` cuts a string
into runs of one font each, keeping spaces, punctuation and combining marks inside the run around
them so that shaping (Arabic joining, Devanagari conjuncts) and bidi ordering stay intact.

Which characters a font has comes from its ``cmap`` table, read here with a small OpenType reader
rather than a font library: it costs well under a millisecond per font, which keeps the first text
render of a session fast. Everything is read once per process and cached.
"""

from __future__ import annotations

import logging
import os
import shutil
import struct
import subprocess
import sys
import threading
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np
from PIL import ImageFont, features

from capkit.errors import RenderError
from capkit.resources import resource_path

log = logging.getLogger(__name__)

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
DEFAULT_FAMILY = "Inter"
REGULAR, BOLD = 400, 700

# Families tried, in order, for a character the chosen font lacks, before any other installed font.
# Each platform ships a few of them (Windows, macOS, common Linux packages); absent ones are skipped.
SCRIPT_FAMILIES: dict[str, tuple[str, ...]] = {
    "arabic": ("Noto Naskh Arabic", "Noto Sans Arabic", "Amiri", "Segoe UI", "Geeza Pro", "Tahoma"),
    "hebrew": ("Noto Sans Hebrew", "Arial", "Segoe UI", "Arial Hebrew", "DejaVu Sans"),
    "devanagari": ("Noto Sans Devanagari", "Lohit Devanagari", "Nirmala UI", "Kohinoor Devanagari",
                   "Devanagari Sangam MN", "Mangal"),
    "bengali": ("Noto Sans Bengali", "Lohit Bengali", "Nirmala UI", "Kohinoor Bangla"),
    "tamil": ("Noto Sans Tamil", "Lohit Tamil", "Nirmala UI", "Tamil Sangam MN"),
    "thai": ("Noto Sans Thai", "Leelawadee UI", "Thonburi", "Tahoma"),
    "han": ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC",
            "Hiragino Sans GB", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback"),
    "kana": ("Noto Sans CJK JP", "Source Han Sans JP", "Hiragino Sans", "Yu Gothic", "Meiryo",
             "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Droid Sans Fallback"),
    "hangul": ("Noto Sans CJK KR", "Source Han Sans KR", "Apple SD Gothic Neo", "Malgun Gothic",
               "WenQuanYi Micro Hei", "Droid Sans Fallback"),
}
GENERAL_FAMILIES = ("Noto Sans", "DejaVu Sans", "Segoe UI", "Arial", "Helvetica Neue",
                    "Liberation Sans", "FreeSans", "Segoe UI Symbol", "Noto Sans Symbols",
                    "Noto Sans Symbols2", "Apple Symbols")
_SCRIPT_OF_NAME = {
    "ARABIC": "arabic", "HEBREW": "hebrew", "DEVANAGARI": "devanagari", "BENGALI": "bengali",
    "TAMIL": "tamil", "THAI": "thai", "CJK": "han", "IDEOGRAPHIC": "han", "FULLWIDTH": "han",
    "HALFWIDTH": "han", "KANGXI": "han", "BOPOMOFO": "han", "HIRAGANA": "kana", "KATAKANA": "kana",
    "HANGUL": "hangul",
}

# Weight words a family name may end with ("Inter Black" means the family Inter at weight 900).
_WEIGHT_WORDS = {
    "thin": 100, "hairline": 100, "extralight": 200, "ultralight": 200, "light": 300,
    "regular": 400, "normal": 400, "book": 400, "medium": 500, "semibold": 600, "demibold": 600,
    "bold": 700, "extrabold": 800, "ultrabold": 800, "black": 900, "heavy": 900,
}
_ITALIC_WORDS = {"italic", "oblique", "slanted"}


class FontChoice(Protocol):
    """What font selection needs from a text style (``TextStyle`` has these fields)."""

    font: str
    bold: bool
    italic: bool


@dataclass(frozen=True, order=True)
class FontFace:
    """One face of a font file (``index`` picks a face of a .ttc collection).

    It is path-like, so it can be passed wherever a font path is expected.
    """

    path: Path
    index: int = 0

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return f"{self.path}#{self.index}" if self.index else str(self.path)


@dataclass(frozen=True)
class FaceInfo:
    """A face as the catalogue knows it: its family names, weight (100-900) and slant."""

    face: FontFace
    families: tuple[str, ...]
    weight: int
    italic: bool
    bundled: bool = False


# --- reading OpenType files -------------------------------------------------------------------


def _table_directory(fh, index: int) -> dict[str, tuple[int, int]]:
    """``tag -> (offset, length)`` for one face of an OpenType file or collection."""
    fh.seek(0)
    header = fh.read(12)
    if header[:4] == b"ttcf":
        count = struct.unpack(">I", header[8:12])[0]
        sub = index & 0xFFFF  # fontconfig puts a variable font's named instance in the high bits
        if sub >= count:
            raise ValueError(f"the collection has {count} faces, not {sub + 1}")
        fh.seek(12 + 4 * sub)
        fh.seek(struct.unpack(">I", fh.read(4))[0])
        header = fh.read(12)
    elif index & 0xFFFF:
        raise ValueError("not a font collection")
    if header[:4] not in (b"\x00\x01\x00\x00", b"OTTO", b"true"):
        raise ValueError("not an OpenType/TrueType font")
    (count,) = struct.unpack(">H", header[4:6])
    records = fh.read(16 * count)
    tables = {}
    for i in range(count):
        tag, _checksum, offset, length = struct.unpack_from(">4sIII", records, 16 * i)
        tables[tag.decode("latin-1")] = (offset, length)
    return tables


def _read_tables(path: Path, index: int, tags: Iterable[str]) -> tuple[set[str], dict[str, bytes]]:
    with open(path, "rb") as fh:
        directory = _table_directory(fh, index)
        data = {}
        for tag in tags:
            if tag in directory:
                offset, length = directory[tag]
                fh.seek(offset)
                data[tag] = fh.read(length)
    return set(directory), data


def _face_count(path: Path) -> int:
    with open(path, "rb") as fh:
        header = fh.read(12)
    return struct.unpack(">I", header[8:12])[0] if header[:4] == b"ttcf" else 1


def _names(data: bytes, wanted: tuple[int, ...]) -> list[str]:
    """The strings of the ``name`` table with the given name ids, in every language present."""
    _fmt, count, string_offset = struct.unpack_from(">HHH", data, 0)
    found: list[str] = []
    for i in range(count):
        platform, encoding, _lang, name_id, length, offset = struct.unpack_from(">6H", data, 6 + 12 * i)
        if name_id not in wanted:
            continue
        raw = data[string_offset + offset : string_offset + offset + length]
        if platform in (0, 3):
            text = raw.decode("utf-16-be", errors="replace")
        elif platform == 1 and encoding == 0:
            text = raw.decode("mac_roman", errors="replace")
        else:
            continue
        text = text.strip()
        if text and text not in found:
            found.append(text)
    return found


def _read_face_info(face: FontFace, bundled: bool) -> FaceInfo | None:
    try:
        _tags, data = _read_tables(face.path, face.index, ("name", "OS/2", "head"))
        families = _names(data["name"], (16, 1))  # typographic family first, then legacy family
    except (OSError, ValueError, KeyError, struct.error) as err:
        log.debug("skipping font %s: %s", face, err)
        return None
    weight, italic = REGULAR, False
    if len(data.get("OS/2", b"")) >= 64:
        weight = struct.unpack_from(">H", data["OS/2"], 4)[0]
        italic = bool(struct.unpack_from(">H", data["OS/2"], 62)[0] & 0x201)  # ITALIC or OBLIQUE
    elif len(data.get("head", b"")) >= 46:
        mac_style = struct.unpack_from(">H", data["head"], 44)[0]
        weight, italic = (BOLD if mac_style & 1 else REGULAR), bool(mac_style & 2)
    if not families:
        return None
    return FaceInfo(face, tuple(families), weight if 1 <= weight <= 1000 else REGULAR, italic, bundled)


class Coverage:
    """The characters a face maps to a real glyph, as sorted inclusive code point ranges."""

    __slots__ = ("_ends", "_starts")

    def __init__(self, ranges: Iterable[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for start, end in sorted(ranges):
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        self._starts = [r[0] for r in merged]
        self._ends = [r[1] for r in merged]

    def __contains__(self, code_point: object) -> bool:
        if isinstance(code_point, str):
            code_point = ord(code_point)
        i = bisect_right(self._starts, code_point) - 1
        return i >= 0 and code_point <= self._ends[i]

    def __len__(self) -> int:
        return sum(e - s + 1 for s, e in zip(self._starts, self._ends))

    def code_points(self) -> set[int]:
        return {cp for s, e in zip(self._starts, self._ends) for cp in range(s, e + 1)}


def _runs_of(mask: np.ndarray, first: int) -> list[tuple[int, int]]:
    """Inclusive ranges of consecutive True values, numbered from ``first``."""
    if not mask.any():
        return []
    edges = np.flatnonzero(np.diff(np.concatenate(([0], mask.view(np.int8), [0]))))
    return [(first + int(a), first + int(b) - 1) for a, b in zip(edges[::2], edges[1::2])]


def _format4_ranges(data: bytes, offset: int) -> list[tuple[int, int]]:
    words = np.frombuffer(data, dtype=">u2", count=(len(data) - offset) // 2, offset=offset).astype(np.int64)
    segments = int(words[3]) // 2
    ends = words[7 : 7 + segments]
    starts = words[8 + segments : 8 + 2 * segments]
    deltas = words[8 + 2 * segments : 8 + 3 * segments]
    range_offsets = words[8 + 3 * segments : 8 + 4 * segments]
    ranges: list[tuple[int, int]] = []
    for i in range(segments):
        start, end, delta, range_offset = int(starts[i]), int(ends[i]), int(deltas[i]), int(range_offsets[i])
        if start > end or start == 0xFFFF:
            continue
        codes = np.arange(start, end + 1)
        if range_offset == 0:
            glyphs = (codes + delta) & 0xFFFF
        else:
            where = 8 + 3 * segments + i + range_offset // 2 + (codes - start)
            inside = where < len(words)
            raw = np.where(inside, words[np.minimum(where, len(words) - 1)], 0)
            glyphs = np.where(raw != 0, (raw + delta) & 0xFFFF, 0)
        ranges += _runs_of(glyphs != 0, start)
    return ranges


def _format12_ranges(data: bytes, offset: int) -> list[tuple[int, int]]:
    (count,) = struct.unpack_from(">I", data, offset + 12)
    groups = np.frombuffer(data, dtype=">u4", count=3 * count, offset=offset + 16).reshape(-1, 3)
    ranges = []
    for start, end, glyph in groups.tolist():
        if glyph == 0:
            start += 1
        if start <= end:
            ranges.append((start, min(end, 0x10FFFF)))
    return ranges


def _cmap_ranges(data: bytes) -> list[tuple[int, int]]:
    """Read the Unicode subtable FreeType would use: full-repertoire (format 12) before BMP (4)."""
    _version, count = struct.unpack_from(">HH", data, 0)
    subtables: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, 4 + 8 * i)
        if platform == 0 or (platform == 3 and encoding in (1, 10)):
            fmt = struct.unpack_from(">H", data, offset)[0]
            subtables.setdefault((fmt, platform), []).append(offset)
    for key in ((12, 3), (12, 0), (4, 3), (4, 0)):
        if key in subtables:
            offset = subtables[key][0]
            return _format12_ranges(data, offset) if key[0] == 12 else _format4_ranges(data, offset)
    return []


_OUTLINE_TABLES = {"glyf", "CFF ", "CFF2"}
_COLOUR_BITMAP_TABLES = {"CBDT", "sbix"}  # emoji fonts whose glyphs Pillow cannot scale


@lru_cache(maxsize=None)
def _face_data(face: FontFace) -> tuple[bool, Coverage]:
    try:
        tags, data = _read_tables(face.path, face.index, ("cmap",))
        usable = bool(tags & _OUTLINE_TABLES) and not (tags & _COLOUR_BITMAP_TABLES)
        return usable, Coverage(_cmap_ranges(data["cmap"]) if "cmap" in data else [])
    except (OSError, ValueError, KeyError, struct.error) as err:
        log.warning("cannot read font %s: %s", face, err)
        return False, Coverage([])


def coverage(face: FontFace) -> Coverage:
    """The characters ``face`` has glyphs for (read once per face)."""
    return _face_data(face)[1]


def covers(face: FontFace, char: str) -> bool:
    return ord(char) in coverage(face)


@lru_cache(maxsize=None)
def face_weight(face: FontFace) -> int:
    """The face's weight class (400 regular, 700 bold), read from its OS/2 table."""
    info = _read_face_info(face, bundled=False)
    return info.weight if info else REGULAR


def is_usable(face: FontFace) -> bool:
    """Whether the face has scalable outlines (colour-bitmap emoji fonts do not)."""
    return _face_data(face)[0]


# --- the catalogue --------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def bundled_faces() -> tuple[FaceInfo, ...]:
    """The fonts shipped in ``resources/fonts``."""
    folder = resource_path("fonts")
    found = []
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        if path.suffix.lower() in FONT_SUFFIXES:
            for index in range(_face_count(path)):
                info = _read_face_info(FontFace(path.resolve(), index), bundled=True)
                if info:
                    found.append(info)
    return tuple(found)


def default_font_dirs() -> list[Path]:
    """Where fonts are usually installed on this platform."""
    home = Path.home()
    if sys.platform == "win32":
        windir = Path(os.environ.get("WINDIR", r"C:\Windows"))
        local = Path(os.environ.get("LOCALAPPDATA", home / "AppData" / "Local"))
        return [windir / "Fonts", local / "Microsoft" / "Windows" / "Fonts"]
    if sys.platform == "darwin":
        return [Path("/System/Library/Fonts"), Path("/Library/Fonts"), home / "Library" / "Fonts"]
    data_home = Path(os.environ.get("XDG_DATA_HOME", home / ".local" / "share"))
    return [Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), data_home / "fonts", home / ".fonts"]


def scan_font_dirs(dirs: Iterable[Path]) -> list[FaceInfo]:
    """Read every font file under ``dirs`` (the way fonts are found without fontconfig)."""
    found = []
    for folder in dirs:
        if not folder.is_dir():
            continue
        for root, _subdirs, files in os.walk(folder):
            for name in sorted(files):
                if not name.lower().endswith(FONT_SUFFIXES):
                    continue
                path = Path(root, name)
                try:
                    count = _face_count(path)
                except OSError:
                    continue
                for index in range(count):
                    info = _read_face_info(FontFace(path, index), bundled=False)
                    if info:
                        found.append(info)
    return found


# fontconfig's weight scale -> OpenType's usWeightClass
_FC_WEIGHTS = ((0, 100), (40, 200), (50, 300), (80, 400), (100, 500), (180, 600), (200, 700),
               (205, 800), (210, 900), (215, 950))


def _fc_weight(value: str) -> int:
    number = value.strip("[] ").split()[0] if value.strip("[] ") else "80"
    fc = float(number)
    xs, ys = zip(*_FC_WEIGHTS)
    return int(round(float(np.interp(fc, xs, ys))))


def _fontconfig_faces() -> list[FaceInfo] | None:
    """The installed faces as fontconfig lists them, or None where fontconfig is not available."""
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    try:
        out = subprocess.run(
            [fc_list, "--format", "%{file}\t%{index}\t%{family}\t%{weight}\t%{slant}\n"],
            capture_output=True, text=True, timeout=30, check=True,
        ).stdout
    except (OSError, subprocess.SubprocessError) as err:
        log.info("fc-list failed (%s); scanning font folders instead", err)
        return None
    found = []
    for line in out.splitlines():
        parts = line.split("\t")
        if len(parts) != 5 or not parts[0].lower().endswith(FONT_SUFFIXES):
            continue
        file, index, families, weight, slant = parts
        try:
            face = FontFace(Path(file), int(index or 0))
            info = FaceInfo(face, tuple(f.strip() for f in families.split(",") if f.strip()),
                            _fc_weight(weight or "80"), float((slant or "0").split()[0].strip("[]")) > 0)
        except ValueError:
            continue
        if info.families:
            found.append(info)
    found.sort(key=lambda i: (str(i.face.path), i.face.index))
    return found


@lru_cache(maxsize=1)
def installed_faces() -> tuple[FaceInfo, ...]:
    """The fonts installed on this machine (listed once per process)."""
    faces = _fontconfig_faces()
    if faces is None:
        faces = scan_font_dirs(default_font_dirs())
    return tuple(faces)


def _key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _index(faces: Iterable[FaceInfo]) -> dict[str, list[FaceInfo]]:
    index: dict[str, list[FaceInfo]] = {}
    for info in faces:
        for family in info.families:
            index.setdefault(_key(family), []).append(info)
    return index


@lru_cache(maxsize=1)
def _bundled_index() -> dict[str, list[FaceInfo]]:
    return _index(bundled_faces())


@lru_cache(maxsize=1)
def _installed_index() -> dict[str, list[FaceInfo]]:
    return _index(installed_faces())


def _style_distance(info: FaceInfo, weight: int, italic: bool) -> tuple[int, int]:
    return (0 if info.italic == italic else 1, abs(info.weight - weight))


def _split_style_words(family: str) -> tuple[str, int | None, bool]:
    """'Inter Black Italic' -> ('Inter', 900, True)."""
    words = family.split()
    weight, italic = None, False
    while len(words) > 1:
        word = _key(words[-1])
        if word in _WEIGHT_WORDS and weight is None:
            weight = _WEIGHT_WORDS[word]
        elif word in _ITALIC_WORDS:
            italic = True
        else:
            break
        words.pop()
    return " ".join(words), weight, italic


@lru_cache(maxsize=1024)
def find_family(family: str, weight: int = REGULAR, italic: bool = False) -> FontFace | None:
    """The face of ``family`` closest to ``weight``/``italic``: bundled first, then installed."""
    key = _key(family)
    if not key:
        return None
    candidates = _bundled_index().get(key) or _installed_index().get(key)
    if not candidates:
        base, named_weight, named_italic = _split_style_words(family)
        if base != family:
            return find_family(base, named_weight or weight, italic or named_italic)
        return None
    return min(candidates, key=lambda info: _style_distance(info, weight, italic)).face


def looks_like_path(font: str) -> bool:
    return "/" in font or "\\" in font or font.lower().endswith(FONT_SUFFIXES)


_warned: set[str] = set()
_warn_lock = threading.Lock()


def _warn_once(message: str) -> None:
    with _warn_lock:
        if message not in _warned:
            _warned.add(message)
            log.warning(message)


def resolve_font(font: str, *, bold: bool = False, italic: bool = False) -> FontFace:
    """The face a style's ``font`` names.

    A path must exist (else :class:`RenderError`); a family that is neither bundled nor installed
    falls back to the bundled default family in the same weight and slant.
    """
    name = font.strip()
    if name and looks_like_path(name):
        path = Path(name).expanduser()
        if not path.is_file():
            raise RenderError(
                f"font file not found: {path} (from the text style's font); "
                "fix the path or choose an installed font family"
            )
        return FontFace(path.resolve())
    weight = BOLD if bold else REGULAR
    face = find_family(name, weight, italic) if name else None
    if face is None:
        if name:
            _warn_once(f"font family {name!r} is not installed; using {DEFAULT_FAMILY}")
        face = find_family(DEFAULT_FAMILY, weight, italic)
    if face is None:
        raise RenderError(f"capkit's bundled {DEFAULT_FAMILY} font is missing from {resource_path('fonts')}; "
                          "reinstall capkit")
    return face


# --- choosing a font per character -------------------------------------------------------------


def _script(char: str) -> str | None:
    name = unicodedata.name(char, "")
    return _SCRIPT_OF_NAME.get(name.split(" ", 1)[0]) if name else None


def is_ignorable(char: str) -> bool:
    """Characters no font needs to draw: controls, format characters (ZWJ, bidi marks), selectors."""
    cp = ord(char)
    return (unicodedata.category(char) in ("Cc", "Cf") or 0xFE00 <= cp <= 0xFE0F
            or 0xE0100 <= cp <= 0xE01EF)


def _is_neutral(char: str) -> bool:
    """Spaces and punctuation: drawn with the font around them where it has them."""
    return unicodedata.category(char)[0] in "ZP"


def is_mark(char: str) -> bool:
    return unicodedata.category(char)[0] == "M"


def _fontconfig_candidates(code_point: int) -> list[FontFace] | None:
    fc_list = shutil.which("fc-list")
    if not fc_list:
        return None
    try:
        out = subprocess.run([fc_list, "--format", "%{file}\t%{index}\n", f":charset={code_point:x}"],
                             capture_output=True, text=True, timeout=30, check=True).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    faces = []
    for line in out.splitlines():
        file, _, index = line.partition("\t")
        if file.lower().endswith(FONT_SUFFIXES):
            faces.append(FontFace(Path(file), int(index or 0)))
    return faces


@lru_cache(maxsize=8192)
def fallback_face(code_point: int, weight: int = REGULAR, italic: bool = False) -> FontFace | None:
    """The face to draw ``code_point`` with when the chosen font lacks it, or None if none has it."""
    char = chr(code_point)
    families = (DEFAULT_FAMILY, *SCRIPT_FAMILIES.get(_script(char) or "", ()), *GENERAL_FAMILIES)
    for family in families:
        face = find_family(family, weight, italic)
        if face is not None and is_usable(face) and code_point in coverage(face):
            return face
    infos = installed_faces()
    listed = _fontconfig_candidates(code_point)
    if listed is not None:
        allowed = set(listed)
        infos = tuple(info for info in infos if info.face in allowed)
    for info in sorted(infos, key=lambda i: _style_distance(i, weight, italic)):
        if is_usable(info.face) and code_point in coverage(info.face):
            return info.face
    return None


def fallback_chain(style: FontChoice, text: str) -> list[FontFace]:
    """The faces needed to draw ``text``: the style's own font, then one per missing script."""
    weight = BOLD if style.bold else REGULAR
    chain = [resolve_font(style.font, bold=style.bold, italic=style.italic)]
    for char in dict.fromkeys(text):
        if is_ignorable(char) or any(ord(char) in coverage(face) for face in chain):
            continue
        face = fallback_face(ord(char), weight, style.italic)
        if face is not None and face not in chain:
            chain.append(face)
    return chain


def assign_faces(text: str, chain: list[FontFace]) -> list[FontFace]:
    """The face for each character of ``text``, from ``chain``.

    A letter takes the first face that has it. Marks and invisible format characters stay with the
    letter before them; spaces and punctuation stay with the run they sit in (before, else after)
    when its face has them, so a sentence in one script is shaped and ordered as one run.
    """
    coverages = [coverage(face) for face in chain]

    def first_having(cp: int) -> FontFace:
        for face, cov in zip(chain, coverages):
            if cp in cov:
                return face
        return chain[0]

    faces: list[FontFace | None] = [None] * len(text)
    for i, char in enumerate(text):
        if not (is_ignorable(char) or _is_neutral(char) or is_mark(char)):
            faces[i] = first_having(ord(char))
    following: list[FontFace | None] = [None] * (len(text) + 1)
    for i in range(len(text) - 1, -1, -1):
        following[i] = faces[i] or following[i + 1]
    for i, char in enumerate(text):
        if faces[i] is not None:
            continue
        before = faces[i - 1] if i else None
        if is_ignorable(char):
            faces[i] = before or following[i + 1] or chain[0]
            continue
        cp = ord(char)
        for candidate in (before, following[i + 1]):
            if candidate is not None and cp in coverage(candidate):
                faces[i] = candidate
                break
        else:
            faces[i] = first_having(cp)
    return faces  # type: ignore[return-value]


def font_runs(text: str, style: FontChoice) -> list[tuple[FontFace, str]]:
    """``text`` cut into runs of one face each; the runs joined give ``text`` back."""
    if not text:
        return []
    faces = assign_faces(text, fallback_chain(style, text))
    runs: list[tuple[FontFace, str]] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or faces[i] != faces[start]:
            runs.append((faces[start], text[start:i]))
            start = i
    return runs


def rescan() -> None:
    """Forget what is known about installed fonts, e.g. after the user installed a new one.

    Text already laid out keeps its fonts until :func:`capkit.render.text.clear_cache` is called.
    """
    for cached in (installed_faces, _installed_index, find_family, fallback_face, _face_data, face_weight,
                   load_font):
        cached.cache_clear()


HAVE_RAQM = features.check_feature("raqm")


@lru_cache(maxsize=256)
def load_font(face: FontFace, size: float) -> ImageFont.FreeTypeFont:
    """A Pillow font for ``face`` at ``size`` pixels, using raqm shaping where Pillow has it."""
    if not HAVE_RAQM:
        _warn_once("Pillow was built without raqm: Arabic, Indic and other complex scripts "
                   "will not be shaped")
    layout = ImageFont.Layout.RAQM if HAVE_RAQM else ImageFont.Layout.BASIC
    try:
        return ImageFont.truetype(str(face.path), size=size, index=face.index, layout_engine=layout)
    except OSError as err:
        raise RenderError(f"cannot load font {face}: {err}; choose another font") from err
