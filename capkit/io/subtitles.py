"""Subtitle files: SRT, WebVTT (with inline word timestamps) and ASS (with ``\\k``/``\\kf`` karaoke).

``write_subtitles(cues, path)`` writes :class:`~capkit.model.captions.Cue` lists atomically;
``read_subtitles(path)`` reads them back, recovering per-word times where the format carries them:

- **SRT**: cues only (no word times). Times in whole milliseconds.
- **WebVTT**: a ``<hh:mm:ss.ttt>`` timestamp before each word after the first (and, only where a
  word does not start where the previous one ends, a timestamp right after a word marking its end,
  or before the first word marking its start). Times in whole milliseconds.
- **ASS** (through pysubs2): a ``Default`` style, one ``Dialogue`` per cue; with ``karaoke="k"`` or
  ``"kf"`` one tag per word, in centiseconds, whose durations add up exactly to the cue's duration
  (gaps between words are empty ``{\\kNN}`` blocks). Times in whole centiseconds.

Words are written as timed only when the cue's text, split at whitespace, is exactly its words'
texts; otherwise the cue is written as plain text. Bilingual cues write the translation as the
last line; pass ``bilingual=True`` to :func:`read_subtitles` to read the last line of each cue
back as its translation.

SRT and WebVTT are parsed here, strictly and line by line (pysubs2 is lenient and drops inline
timestamps); every problem is a :class:`SubtitleError` naming the file and the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from pathlib import Path
from typing import Any

import pysubs2

from capkit.errors import CapkitError
from capkit.io.atomic import replace, temp_beside
from capkit.io.text_files import read_text
from capkit.model.captions import Cue, Word

__all__ = ["FORMATS", "SubtitleError", "read_subtitles", "write_subtitles"]

FORMATS = {".srt": "srt", ".vtt": "vtt", ".ass": "ass", ".ssa": "ass"}
_WRITE_FORMATS = ("srt", "vtt", "ass")


class SubtitleError(CapkitError):
    """A subtitle file that cannot be read or written: missing, malformed, wrong encoding or kind."""


# ----------------------------------------------------------------------------------------- times

def _ms(t: Fraction) -> int:
    return round(Fraction(t) * 1000)


def _cs(t: Fraction) -> int:
    return round(Fraction(t) * 100)


def _clock(ms: int, sep: str) -> str:
    h, rest = divmod(max(ms, 0), 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{milli:03d}"


_SRT_TIME = r"(\d{2,}):([0-5]\d):([0-5]\d),(\d{3})"
_SRT_TIMING = re.compile(rf"^\s*{_SRT_TIME}\s+-->\s+{_SRT_TIME}\s*$")
_VTT_TIME = r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})"
_VTT_TIMING = re.compile(rf"^\s*{_VTT_TIME}\s+-->\s+{_VTT_TIME}(?:\s+.*)?$")
_VTT_INLINE = re.compile(rf"<{_VTT_TIME}>")
_ASS_TIME = re.compile(r"^\s*(\d+):([0-5]\d):([0-5]\d)[.,](\d{2})\s*$")


def _hmsf(h: str | None, m: str, s: str, frac: str) -> Fraction:
    return int(h or 0) * 3600 + int(m) * 60 + int(s) + Fraction(int(frac), 10 ** len(frac))


# -------------------------------------------------------------------------------------- writing

def _tokens(cue: Cue) -> list[tuple[int, str]] | None:
    """(line index, word) for each whitespace-separated token, or None if they are not the words."""
    toks = [(i, tok) for i, line in enumerate(cue.text.split("\n")) for tok in line.split()]
    if not cue.words or [t for _, t in toks] != [w.text for w in cue.words]:
        return None
    return toks


def _lines(cue: Cue) -> list[str]:
    lines = [ln.strip() for ln in cue.text.split("\n") if ln.strip()]
    if cue.translation.strip():
        lines.append(" ".join(cue.translation.split()))
    return lines


def _srt(cues: list[Cue]) -> str:
    out = []
    for n, cue in enumerate(cues, 1):
        timing = f"{_clock(_ms(cue.start), ',')} --> {_clock(_ms(cue.end), ',')}"
        out.append("\n".join([str(n), timing, *_lines(cue)]) + "\n")
    return "\n".join(out)


def _vtt_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_text(cue: Cue) -> list[str]:
    toks = _tokens(cue)
    if toks is None:
        return [_vtt_escape(ln) for ln in _lines(cue)]
    m0, m1 = _ms(cue.start), _ms(cue.end)
    marks: list[int] = []  # word starts and ends in ms, kept inside the cue and in order
    for w in cue.words:
        for t in (w.start, w.end):
            marks.append(min(max(_ms(t), marks[-1] if marks else m0), m1))
    ts = lambda ms: f"<{_clock(ms, '.')}>"
    n = len(cue.words)
    lines: list[list[str]] = [[] for _ in range(toks[-1][0] + 1)]
    for i, (li, tok) in enumerate(toks):
        piece = _vtt_escape(tok)
        s, e = marks[2 * i], marks[2 * i + 1]
        if i > 0 or s != m0 or n == 1:
            piece = ts(s) + piece
        if e != (marks[2 * i + 2] if i + 1 < n else m1):
            piece += ts(e)
        lines[li].append(piece)
    out = [" ".join(ln) for ln in lines if ln]
    if cue.translation.strip():
        out.append(_vtt_escape(" ".join(cue.translation.split())))
    return out


def _vtt(cues: list[Cue]) -> str:
    out = ["WEBVTT\n"]
    for n, cue in enumerate(cues, 1):
        timing = f"{_clock(_ms(cue.start), '.')} --> {_clock(_ms(cue.end), '.')}"
        out.append("\n".join([str(n), timing, *_vtt_text(cue)]) + "\n")
    return "\n".join(out)


_STYLE_DEFAULTS: dict[str, Any] = {
    "font": "Arial",
    "size": 72,
    "bold": True,
    "primary_colour": "#FFFFFF",  # spoken (highlighted) words with karaoke; all text otherwise
    "secondary_colour": "#A0A0A0",  # words not yet spoken, with karaoke
    "outline_colour": "#000000",
    "back_colour": "#00000080",
    "outline": 4,
    "shadow": 0,
    "alignment": 2,  # numpad: bottom centre
    "margin_v": 320,  # above the short-video platforms' bottom UI at 1920 px height
}


def _colour(key: str, value: Any) -> pysubs2.Color:
    m = re.fullmatch(r"#?([0-9a-fA-F]{6})([0-9a-fA-F]{2})?", str(value))
    if not m:
        raise SubtitleError(f"ASS style {key}: {value!r} is not a colour (expected '#RRGGBB' or '#RRGGBBAA')")
    rgb = m.group(1)
    opacity = int(m.group(2) or "ff", 16)
    return pysubs2.Color(int(rgb[0:2], 16), int(rgb[2:4], 16), int(rgb[4:6], 16), 255 - opacity)


def _ass_style(style: Mapping[str, Any] | None) -> pysubs2.SSAStyle:
    unknown = sorted(set(style or {}) - set(_STYLE_DEFAULTS))
    if unknown:
        raise SubtitleError(f"unknown ASS style value {unknown[0]!r} (known: {', '.join(_STYLE_DEFAULTS)})")
    v = {**_STYLE_DEFAULTS, **(style or {})}
    if v["alignment"] not in range(1, 10):
        raise SubtitleError(f"ASS style alignment: {v['alignment']!r} is not 1-9 (numpad positions)")
    return pysubs2.SSAStyle(
        fontname=str(v["font"]),
        fontsize=float(v["size"]),
        bold=bool(v["bold"]),
        primarycolor=_colour("primary_colour", v["primary_colour"]),
        secondarycolor=_colour("secondary_colour", v["secondary_colour"]),
        outlinecolor=_colour("outline_colour", v["outline_colour"]),
        backcolor=_colour("back_colour", v["back_colour"]),
        outline=float(v["outline"]),
        shadow=float(v["shadow"]),
        alignment=pysubs2.Alignment(int(v["alignment"])),
        marginv=int(v["margin_v"]),
    )


def _ass_escape(s: str) -> str:
    return s.replace("{", "(").replace("}", ")").replace("\\", "/")


def _karaoke(cue: Cue, tag: str) -> str | None:
    toks = _tokens(cue)
    if toks is None:
        return None
    c0, c1 = _cs(cue.start), _cs(cue.end)
    clamp = lambda t: min(max(_cs(t), c0), c1)
    parts: list[str] = []
    at = c0  # the time, in rounded centiseconds, up to which tags have been written
    for i, ((li, tok), w) in enumerate(zip(toks, cue.words)):
        if i > 0:
            parts.append(r"\N" if li != toks[i - 1][0] else " ")
        s = max(clamp(w.start), at)
        if s > at:  # a pause before this word (the space before it, if any, goes into it)
            if parts and parts[-1] in (" ", r"\N"):
                parts.insert(len(parts) - 1, f"{{\\{tag}{s - at}}}")
            else:
                parts.append(f"{{\\{tag}{s - at}}}")
            at = s
        e = max(clamp(w.end), at)
        parts.append(f"{{\\{tag}{e - at}}}{_ass_escape(tok)}")
        at = e
    if c1 > at:
        parts.append(f"{{\\{tag}{c1 - at}}}")
    text = "".join(parts)
    if cue.translation.strip():
        text += rf"\N{{\{tag}0}}" + _ass_escape(" ".join(cue.translation.split()))
    return text


def _ass(cues: list[Cue], karaoke: str | None, style: Mapping[str, Any] | None, play_res: tuple[int, int]) -> str:
    subs = pysubs2.SSAFile()
    subs.info["PlayResX"] = str(play_res[0])
    subs.info["PlayResY"] = str(play_res[1])
    subs.info["WrapStyle"] = "2"  # line breaks only where the cue has them
    subs.styles = {"Default": _ass_style(style)}
    for cue in cues:
        text = _karaoke(cue, karaoke) if karaoke else None
        if text is None:
            text = r"\N".join(_ass_escape(ln) for ln in _lines(cue))
        subs.events.append(pysubs2.SSAEvent(start=_cs(cue.start) * 10, end=_cs(cue.end) * 10, text=text))
    return subs.to_string("ass")


def write_subtitles(
    cues: Iterable[Cue],
    path: str | Path,
    *,
    fmt: str | None = None,
    karaoke: str | None = None,
    style: Mapping[str, Any] | None = None,
    play_res: tuple[int, int] = (1080, 1920),
) -> Path:
    """Write ``cues`` to ``path`` (atomically) as SRT, WebVTT or ASS; return the path.

    ``fmt`` is ``"srt"``, ``"vtt"`` or ``"ass"``, by default from the suffix. For ASS, ``karaoke``
    (``"k"`` or ``"kf"``) writes a karaoke tag per word, and ``style`` overrides values of the
    ``Default`` style (keys of ``_STYLE_DEFAULTS``: font, size, bold, primary_colour,
    secondary_colour, outline_colour, back_colour as ``'#RRGGBB[AA]'``, outline, shadow,
    alignment 1-9, margin_v); ``play_res`` is the script's resolution those sizes refer to.
    """
    target = Path(path)
    kind = fmt.lower().lstrip(".") if fmt else FORMATS.get(target.suffix.lower())
    if kind not in _WRITE_FORMATS:
        raise SubtitleError(
            f"{target.name}: cannot write subtitles as {fmt or target.suffix or 'a file without a suffix'!r} "
            "(use .srt, .vtt or .ass)"
        )
    if karaoke not in (None, "k", "kf"):
        raise SubtitleError(f"karaoke must be 'k', 'kf' or None (got {karaoke!r})")
    cue_list = list(cues)
    for n, cue in enumerate(cue_list, 1):
        if cue.end < cue.start:
            raise SubtitleError(f"not writing {target.name}: cue {n} ends ({float(cue.end):.3f} s) before it starts ({float(cue.start):.3f} s)")
    if kind == "srt":
        text = _srt(cue_list)
    elif kind == "vtt":
        text = _vtt(cue_list)
    else:
        text = _ass(cue_list, karaoke, style, play_res)
    if not target.resolve().parent.is_dir():
        raise SubtitleError(f"cannot save {target}: the folder {target.resolve().parent} does not exist")
    tmp = temp_beside(target)
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


# -------------------------------------------------------------------------------------- reading

def _read_text(path: Path) -> str:
    text = read_text(path, "subtitle", SubtitleError, name=path.name)
    return text.replace("\r\n", "\n").replace("\r", "\n")


class _Where:
    def __init__(self, path: Path) -> None:
        self.name = path.name

    def error(self, line: int, message: str) -> SubtitleError:
        return SubtitleError(f"{self.name}: line {line}: {message}")


def _blocks(text: str) -> list[list[tuple[int, str]]]:
    """Blank-line separated blocks of (1-based line number, line)."""
    blocks: list[list[tuple[int, str]]] = []
    cur: list[tuple[int, str]] = []
    for n, line in enumerate(text.split("\n"), 1):
        if line.strip():
            cur.append((n, line))
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return blocks


_TAGS = re.compile(r"</?(?:i|b|u|s|font)\b[^>]*>|\{\\[^}]*\}", re.IGNORECASE)


def _split_translation(lines: list[str], bilingual: bool) -> tuple[list[str], str]:
    if bilingual and len(lines) >= 2:
        return lines[:-1], lines[-1]
    return lines, ""


def _timing(where: _Where, n: int, line: str, rx: re.Pattern[str], example: str) -> tuple[Fraction, Fraction]:
    m = rx.match(line)
    if not m:
        raise where.error(n, f"{line.strip()!r} is not a cue timing (expected {example})")
    g = m.groups()
    start, end = _hmsf(*g[0:4]), _hmsf(*g[4:8])
    if end < start:
        a, b = (s.strip() for s in line.split("-->", 1))
        raise where.error(n, f"cue ends ({b.split()[0]}) before it starts ({a})")
    return start, end


def _read_srt(text: str, where: _Where, bilingual: bool) -> list[Cue]:
    cues = []
    example = "00:00:01,000 --> 00:00:02,500"
    for block in _blocks(text):
        i = 0
        if "-->" not in block[0][1]:
            if not block[0][1].strip().isdigit():
                raise where.error(block[0][0], f"{block[0][1].strip()!r} is not a cue number or timing (expected a number, then {example})")
            i = 1
            if len(block) < 2:
                raise where.error(block[0][0], f"cue {block[0][1].strip()} has no timing line (expected {example})")
        n, line = block[i]
        start, end = _timing(where, n, line, _SRT_TIMING, example)
        for tn, tl in block[i + 1:]:
            if _SRT_TIMING.match(tl):
                raise where.error(tn, f"a cue timing inside the text of the cue before ({tl.strip()!r}); is a blank line missing?")
        lines = [_TAGS.sub("", ln).strip() for _, ln in block[i + 1:]]
        lines, translation = _split_translation(lines, bilingual)
        cues.append(Cue(start, end, "\n".join(lines), (), translation))
    return cues


_VTT_ENTITIES = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&nbsp;": "\u00a0", "&lrm;": "\u200e", "&rlm;": "\u200f"}
_VTT_PIECES = re.compile(r"<[^>]*>|&[a-z]+;|[^<&]+|&", re.IGNORECASE)


def _vtt_payload(where: _Where, start: Fraction, end: Fraction, lines: list[tuple[int, str]]) -> tuple[str, tuple[Word, ...]]:
    """Plain text and, if it has inline timestamps, the timed words of a WebVTT cue payload."""
    plain: list[str] = []
    stamps: list[tuple[int, Fraction]] = []  # (position in plain text, time)
    pos = 0
    last = start
    for k, (n, line) in enumerate(lines):
        if k:
            plain.append("\n")
            pos += 1
        for piece in _VTT_PIECES.findall(line):
            if piece.startswith("<"):
                m = _VTT_INLINE.fullmatch(piece)
                if m:
                    t = _hmsf(*m.groups())
                    if not (last <= t <= end):
                        raise where.error(n, f"word timestamp {piece} is outside its cue or earlier than the one before it")
                    last = t
                    stamps.append((pos, t))
                continue  # other tags (<c>, <v Name>, <i>, ...) are styling only
            piece = _VTT_ENTITIES.get(piece, piece)
            plain.append(piece)
            pos += len(piece)
    text = "".join(plain)
    if not stamps:
        return text, ()
    spans = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    starts: list[Fraction | None] = [None] * len(spans)
    ends: list[Fraction | None] = [None] * len(spans)
    for p, t in stamps:
        for i, (a, b) in enumerate(spans):
            if p <= a and (i == 0 or p > spans[i - 1][1]):
                starts[i] = t
                break
            if p == b or (p > b and i == len(spans) - 1):
                ends[i] = t
                break
    words = []
    for i, (a, b) in enumerate(spans):
        s = starts[i] if starts[i] is not None else (start if i == 0 else words[-1].end)
        e = ends[i]
        if e is None:
            nxt = starts[i + 1] if i + 1 < len(spans) else end
            e = nxt if nxt is not None else s
        words.append(Word(text[a:b], s, max(e, s)))
    return text, tuple(words)


def _read_vtt(text: str, where: _Where, bilingual: bool) -> list[Cue]:
    first = text.split("\n", 1)[0]
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", first):
        raise where.error(1, f"missing 'WEBVTT' header (found {first[:40]!r})")
    cues = []
    example = "00:00:01.000 --> 00:00:02.500"
    blocks = _blocks(text)
    for tn, tl in blocks[0][1:]:
        if "-->" in tl:
            raise where.error(tn, "a cue must be separated from the WEBVTT header by a blank line")
    for block in blocks[1:]:
        head = block[0][1].strip()
        if head.startswith(("NOTE", "STYLE", "REGION")) and "-->" not in head:
            continue
        i = 0 if "-->" in block[0][1] else 1  # an optional cue identifier
        if i >= len(block):
            raise where.error(block[0][0], f"cue {head!r} has no timing line (expected {example})")
        n, line = block[i]
        start, end = _timing(where, n, line, _VTT_TIMING, example)
        payload = block[i + 1:]
        for tn, tl in payload:
            if "-->" in tl:
                raise where.error(tn, f"'-->' inside the text of a cue ({tl.strip()!r}); is a blank line missing?")
        translation = ""
        if bilingual and len(payload) >= 2:
            payload, translation = payload[:-1], "".join(
                _VTT_ENTITIES.get(p, p) for p in _VTT_PIECES.findall(payload[-1][1]) if not p.startswith("<")
            ).strip()
        body, words = _vtt_payload(where, start, end, payload)
        body = "\n".join(ln.strip() for ln in body.split("\n"))
        cues.append(Cue(start, end, body, words, translation))
    return cues


_K_TAG = re.compile(r"\\(kf|ko|K|k)(\d+(?:\.\d+)?)")


def _ass_event(ev: pysubs2.SSAEvent, bilingual: bool) -> Cue:
    start, end = Fraction(ev.start, 1000), Fraction(ev.end, 1000)
    chars: list[str] = []
    times: list[tuple[Fraction, Fraction]] = []
    syl = (start, start)
    karaoke = False
    at = start
    for block, plain in re.findall(r"\{([^}]*)\}|([^{]+)", ev.text):
        if block:
            for _, v in _K_TAG.findall(block):
                karaoke = True
                d = Fraction(v) / 100
                syl = (at, at + d)
                at += d
            continue
        plain = plain.replace(r"\N", "\n").replace(r"\n", "\n").replace(r"\h", "\u00a0")
        chars.extend(plain)
        times.extend([syl] * len(plain))
    text = "".join(chars)
    lines = text.split("\n")
    translation = ""
    if bilingual and len(lines) >= 2:
        translation = lines[-1].strip()
        text = "\n".join(lines[:-1])
    words: tuple[Word, ...] = ()
    if karaoke:
        words = tuple(
            Word(m.group(), min(times[m.start()][0], end), min(max(times[m.end() - 1][1], times[m.start()][0]), end))
            for m in re.finditer(r"\S+", text)
        )
    body = "\n".join(ln.strip() for ln in text.split("\n"))
    return Cue(start, end, body, words, translation)


def _read_ass(text: str, where: _Where, bilingual: bool) -> list[Cue]:
    section = ""
    fields: list[str] | None = None
    dialogue_lines = []
    for n, line in enumerate(text.split("\n"), 1):
        s = line.strip()
        if s.startswith("[") and s.endswith("]"):
            section = s.lower()
            continue
        if section != "[events]":
            continue
        key, _, value = s.partition(":")
        if key == "Format":
            fields = [f.strip().lower() for f in value.split(",")]
        elif key in ("Dialogue", "Comment"):
            if fields is None:
                raise where.error(n, "an event comes before the [Events] 'Format:' line")
            values = value.split(",", len(fields) - 1)
            if len(values) < len(fields):
                raise where.error(n, f"event has {len(values)} fields, expected {len(fields)} ({', '.join(fields)})")
            row = dict(zip(fields, (v.strip() for v in values)))
            times = []
            for f in ("start", "end"):
                m = _ASS_TIME.match(row.get(f, ""))
                if not m:
                    raise where.error(n, f"{row.get(f, '')!r} is not an ASS time for {f} (expected 0:00:01.50)")
                times.append(_hmsf(*m.groups()))
            if times[1] < times[0]:
                raise where.error(n, f"cue ends ({row['end']}) before it starts ({row['start']})")
            dialogue_lines.append(n)
    if not section and not dialogue_lines:
        raise where.error(1, "not an ASS/SSA script (no [Script Info] or [Events] section)")
    try:
        subs = pysubs2.SSAFile.from_string(text, format_="ass")
    except (ValueError, KeyError, IndexError, TypeError, NotImplementedError, pysubs2.Pysubs2Error) as exc:
        raise SubtitleError(f"{where.name}: not a readable ASS/SSA script ({exc})") from None
    return [_ass_event(ev, bilingual) for ev in subs.events if not ev.is_comment]


def read_subtitles(path: str | Path, *, bilingual: bool = False) -> list[Cue]:
    """The cues of an SRT, WebVTT or ASS/SSA file (by suffix), with word times where it has them.

    With ``bilingual=True`` the last line of each cue with two or more lines is its translation.
    """
    p = Path(path)
    kind = FORMATS.get(p.suffix.lower())
    if kind is None:
        raise SubtitleError(f"{p.name}: unknown subtitle format {p.suffix or '(no suffix)'!r} (use .srt, .vtt, .ass or .ssa)")
    text = _read_text(p)
    where = _Where(p)
    if kind == "srt":
        return _read_srt(text, where, bilingual)
    if kind == "vtt":
        return _read_vtt(text, where, bilingual)
    return _read_ass(text, where, bilingual)
