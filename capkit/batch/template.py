"""Templates: a project whose strings name variables (``{{product_name}}``), filled in per row.

Any string in the project file can hold a variable: text, a font, a media path, a colour, a filter
id or parameter, a caption word or a caption style's preset name. A variable that makes up a whole
value may also stand where a number, a time or a switch belongs (``"size": "{{size}}"``); the value
is converted to that field's type. The filled-in document then goes through the project reader, so
a row's value meets exactly the rules a hand-edited file meets, and a value that breaks one is
reported as that row's error naming the row, the column and the field:

    row 7, column 'bg': tracks[0].items[0].color must be a colour like #FFCC00 or #FFCC0080 (got 'blue')

Substitution works on the JSON document, never on the Project object: a template's placeholders
are not valid values until filled in, so a template is read without the reader's checks and every
filled-in copy is read with all of them.

Media paths given by a row are resolved against the data file's folder when relative; paths
already in the template keep resolving against the template's folder. A caption style variable
(the ``name`` of an item's caption style, e.g. ``"{{style}}"``) swaps in the whole preset of that
name, fitted to the canvas. A caption word filled with several words is split into timed words
that share its time, each in proportion to its length.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import types
import typing
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from capkit.errors import CapkitError, ProjectFileError
from capkit.model.caption_items import CaptionItem, CaptionStyle, spread
from capkit.model.items import FilterRef, MediaRef
from capkit.model.project import Project, check_project

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_.\- ]*?)\s*\}\}")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


class TemplateError(CapkitError):
    """A template file that cannot be used at all (not a project, broken JSON)."""


class RowError(CapkitError):
    """One row's values cannot make a valid project; the other rows are not affected."""

    def __init__(self, row: int, message: str, column: str | None = None) -> None:
        where = f"row {row}" + (f", column {column!r}" if column else "")
        super().__init__(f"{where}: {message}")
        self.row, self.column, self.detail = row, column, message


@dataclass(frozen=True)
class Template:
    """A project document with variables. ``path`` is the template file (None when made in memory):
    relative media paths in the template resolve against its folder."""

    text: str
    path: Path | None = None

    @property
    def doc(self) -> dict:
        return json.loads(self.text)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def name(self) -> str:
        return self.path.stem if self.path is not None else "batch"

    def variables(self) -> set[str]:
        return {name for name, _ in _places(self.doc.get("project"), "project")}

    def places(self) -> dict[str, list[str]]:
        """Each variable and the fields it appears in (``tracks[0].items[1].text``)."""
        out: dict[str, list[str]] = {}
        for name, where in _places(self.doc.get("project"), "project"):
            out.setdefault(name, []).append(_short(where))
        return out


def load_template(path: str | os.PathLike) -> Template:
    from capkit.io.project_file import FORMAT
    from capkit.io.text_files import read_text

    p = Path(path)
    text = read_text(p, "template", TemplateError)
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError as err:
        raise TemplateError(f"{p} is not valid JSON: {err.msg} (line {err.lineno}, column {err.colno})") from None
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT or not isinstance(envelope.get("project"), dict):
        raise TemplateError(f"{p} is not a capkit project (it has no \"format\": \"{FORMAT}\")")
    return Template(text, p.resolve())


def template_of(project: Project | Template, path: str | os.PathLike | None = None) -> Template:
    """A template from a project built in Python (its strings may hold ``{{variables}}``)."""
    if isinstance(project, Template):
        return project
    from capkit.io.project_file import dumps

    return Template(dumps(project, path), None if path is None else Path(path).resolve())


def variables(project: Project | Template) -> set[str]:
    """The names of the ``{{variables}}`` a project or template uses."""
    return template_of(project).variables()


def apply_row(template: Project | Template, values: dict, *, row: int = 1, base: str | os.PathLike | None = None,
              check_media: bool = True) -> Project:
    """The project with one row's ``values`` filled in, checked by the project reader's rules.

    Raises :class:`RowError` naming ``row``, the column and the field for a missing or invalid value
    or a media file that does not exist. Relative media paths from the row resolve against ``base``
    (default: the current folder)."""
    from capkit.io.serialize import SchemaError, from_json

    tpl = template_of(template)
    base_dir = Path(base).resolve() if base is not None else Path.cwd()
    filler = _Filler(values, row)
    envelope = tpl.doc
    _check_envelope(envelope, tpl)
    doc = filler.fill(envelope["project"], Project, "project")
    try:
        project = from_json(doc, Project, "project")
    except SchemaError as err:
        column = filler.column_at(err.path)
        detail = str(err).removeprefix(f"{err.path}: ") if err.path else str(err)
        raise RowError(row, f"{_short(err.path)} {detail}", column) from None
    except (ValueError, TypeError) as err:
        raise RowError(row, str(err)) from None
    problems = check_project(project)
    if problems:
        raise RowError(row, problems[0], filler.column_in(problems[0]))
    _resolve_media(project, filler, tpl, base_dir, row, check_media)
    _swap_caption_styles(project, filler, row)
    _check_filters(project, filler, row)
    return project


# --- finding variables ----------------------------------------------------------------------


def _places(node, path: str):
    if isinstance(node, dict):
        for k, v in node.items():
            if k != "schema":
                yield from _places(v, f"{path}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _places(v, f"{path}[{i}]")
    elif isinstance(node, str):
        for m in PLACEHOLDER.finditer(node):
            yield m.group(1), path


def _short(path: str) -> str:
    return path.removeprefix("project.") if path != "project" else "project"


def _check_envelope(envelope, tpl: Template) -> None:
    from capkit.io.project_file import FORMAT, FORMAT_VERSION

    name = str(tpl.path) if tpl.path else "template"
    if not isinstance(envelope, dict) or envelope.get("format") != FORMAT or not isinstance(envelope.get("project"), dict):
        raise TemplateError(f"{name} is not a capkit project")
    version = envelope.get("format_version")
    if not isinstance(version, int) or not 1 <= version <= FORMAT_VERSION:
        raise ProjectFileError(f"{name}: format_version {version!r} is not one this capkit reads "
                               f"(1 to {FORMAT_VERSION}); update capkit")


# --- filling in -----------------------------------------------------------------------------


def _strip_optional(hint):
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


def _kind(hint) -> str:
    """What a whole-value variable becomes in a field of type ``hint``."""
    hint = _strip_optional(hint)
    if hint is bool:
        return "bool"
    if hint is int:
        return "int"
    if hint is float:
        return "float"
    if hint is Fraction:
        return "time"
    return "str"


class _Filler:
    """Walks a project document beside its dataclass types, filling in one row's values."""

    def __init__(self, values: dict, row: int) -> None:
        self.values = values
        self.row = row
        self.used: list[tuple[str, str]] = []  # (document path, column)
        self.media: dict[str, str] = {}  # MediaRef path -> column, for refs whose path came from a row
        self.styles: dict[str, tuple[str, str]] = {}  # caption item document path -> (preset, column)
        self.filters: list[tuple[str, str]] = []  # (document path of a FilterRef, column)

    # where a reader's complaint points, which column put the value there
    def column_at(self, path: str) -> str | None:
        for where, column in self.used:
            if path == where or path.startswith((where + ".", where + "[")):
                return column
        for where, column in self.used:
            if where.startswith((path + ".", path + "[")):
                return column
        return None

    def column_in(self, message: str) -> str | None:
        """The column behind a project check's message (they start with the place, ``tracks[0]...:``)."""
        where = message.split(":", 1)[0].strip()
        return self.column_at(f"project.{where}") if where else None

    def value(self, name: str, path: str):
        if name not in self.values:
            raise RowError(self.row, f"no value for {{{{{name}}}}} (used in {_short(path)})", name)
        v = self.values[name]
        if v is None or (isinstance(v, str) and not v.strip()):
            raise RowError(self.row, f"the value is empty (it fills {_short(path)})", name)
        return v

    def fill(self, node, hint, path: str):
        from capkit.io.serialize import SCHEMAS, hints

        hint = _strip_optional(hint)
        if isinstance(node, dict):
            tag = node.get("schema")
            cls = SCHEMAS.get(tag.rpartition(".")[0]) if isinstance(tag, str) else None
            field_hints = hints(cls) if cls is not None else {}
            value_hint = typing.get_args(hint)[1] if typing.get_origin(hint) is dict else None
            if cls is FilterRef:
                return self._filter_ref(node, field_hints, path)
            out = {}
            name = node.get("name") if cls is CaptionStyle else None
            whole = PLACEHOLDER.fullmatch(name.strip()) if isinstance(name, str) else None
            if whole:  # a preset name: the whole style is swapped in once the project is read
                column = whole.group(1)
                value = _as_text(self.value(column, f"{path}.name")).strip()
                self.used.append((f"{path}.name", column))
                self.styles[path.rsplit(".style", 1)[0]] = (value, column)
                node = dict(node, name=value)
            for k, v in node.items():
                if k == "schema":
                    out[k] = v
                    continue
                out[k] = self.fill(v, field_hints.get(k, value_hint), f"{path}.{k}")
            if cls is MediaRef and isinstance(node.get("path"), str) and PLACEHOLDER.search(node["path"]):
                self.media[out["path"]] = self.used[-1][1]
                out["fingerprint"] = None  # another file than the template's
            if cls is CaptionItem and isinstance(out.get("words"), list):
                out["words"] = _split_words(out["words"])
            return out
        if isinstance(node, list):
            inner = typing.get_args(hint)[0] if typing.get_origin(hint) is list else None
            return [self.fill(v, inner, f"{path}[{i}]") for i, v in enumerate(node)]
        if isinstance(node, str) and PLACEHOLDER.search(node):
            return self._string(node, _kind(hint), path)
        return node

    def _string(self, text: str, kind: str, path: str):
        whole = PLACEHOLDER.fullmatch(text.strip())
        if whole:
            name = whole.group(1)
            value = self.value(name, path)
            self.used.append((path, name))
            return _convert(value, kind, self.row, name, path)

        def one(m: re.Match) -> str:
            name = m.group(1)
            value = self.value(name, path)
            self.used.append((path, name))
            return _as_text(value)
        return PLACEHOLDER.sub(one, text)

    def _filter_ref(self, node: dict, field_hints: dict, path: str) -> dict:
        """A filter's parameters take the types its declaration gives them."""
        from capkit.fx import registry

        before = len(self.used)
        out = {k: (v if k in ("schema", "params") else self.fill(v, field_hints.get(k), f"{path}.{k}"))
               for k, v in node.items()}
        kinds: dict[str, str] = {}
        try:
            spec = registry.get(out.get("filter_id", ""))
            kinds = {p.name: {"float": "float", "int": "int", "bool": "bool"}.get(p.kind, "str") for p in spec.params}
        except (CapkitError, KeyError):
            pass  # an unknown filter is reported by the check after filling in
        params = node.get("params")
        if isinstance(params, dict):
            out["params"] = {name: (self._string(v, kinds.get(name, "str"), f"{path}.params.{name}")
                                    if isinstance(v, str) and PLACEHOLDER.search(v) else v)
                             for name, v in params.items()}
        if len(self.used) > before:
            self.filters.append((path, self.used[before][1]))
        return out


def _as_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _convert(value, kind: str, row: int, column: str, path: str):
    where = _short(path)
    if kind == "str":
        return _as_text(value)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise RowError(row, f"{where} must be true or false (got {value!r})", column)
    if kind == "time":
        if isinstance(value, bool):
            raise RowError(row, f"{where} must be a time in seconds like 2.5 or 5/2 (got {value!r})", column)
        try:
            t = Fraction(str(value).strip())
        except (ValueError, ZeroDivisionError):
            raise RowError(row, f"{where} must be a time in seconds like 2.5 or 5/2 (got {value!r})", column) from None
        return str(t) if t.denominator != 1 else str(t.numerator)
    if isinstance(value, bool):
        raise RowError(row, f"{where} must be a number (got {value!r})", column)
    try:
        number = float(str(value).strip()) if not isinstance(value, (int, float)) else value
    except ValueError:
        raise RowError(row, f"{where} must be a number (got {value!r})", column) from None
    if kind == "int":
        if number != int(number):
            raise RowError(row, f"{where} must be a whole number (got {value!r})", column)
        return int(number)
    return float(number)


def _split_words(words: list) -> list:
    """A caption word filled with several words becomes that many words over the same time."""
    out = []
    for w in words:
        text = w.get("text") if isinstance(w, dict) else None
        tokens = text.split() if isinstance(text, str) else []
        if len(tokens) <= 1:
            out.append(w)
            continue
        try:
            start, end = Fraction(w["start"]), Fraction(w["end"])
        except (KeyError, ValueError, TypeError, ZeroDivisionError):
            out.append(w)  # the reader reports the bad time
            continue
        times = spread(tokens, start, end)
        for i, (tok, (s, e)) in enumerate(zip(tokens, times)):
            piece = dict(w, text=tok, start=_time_text(s), end=_time_text(e))
            piece["break_after"] = bool(w.get("break_after")) if i == len(tokens) - 1 else False
            out.append(piece)
    return out


def _time_text(t: Fraction) -> str:
    return str(t.numerator) if t.denominator == 1 else f"{t.numerator}/{t.denominator}"


# --- after reading ----------------------------------------------------------------------------


def _media_refs(project: Project):
    for item in project.items():
        ref = getattr(item, "source", None)
        if isinstance(ref, MediaRef):
            yield ref


def _resolve_media(project: Project, filler: _Filler, tpl: Template, base: Path, row: int, check: bool) -> None:
    from capkit.media.probe import probe

    tpl_base = tpl.path.parent if tpl.path is not None else Path.cwd()
    for ref in _media_refs(project):
        column = filler.media.get(ref.path)
        if column is None:
            if ref.path and not Path(ref.path).is_absolute() and not ref.path.startswith("moviepy:"):
                ref.path = str((tpl_base / ref.path).resolve())
            continue
        path = Path(ref.path).expanduser()
        ref.path = str((path if path.is_absolute() else base / path).resolve())
        if not check:
            continue
        if not Path(ref.path).is_file():
            raise RowError(row, f"media file {ref.path} does not exist", column)
        try:
            info = probe(ref.path)
        except CapkitError as err:
            raise RowError(row, str(err), column) from None
        ref.duration = info.duration if info.kind != "image" else None


def _swap_caption_styles(project: Project, filler: _Filler, row: int) -> None:
    if not filler.styles:
        return
    from capkit.api import _caption_style

    for ti, track in enumerate(project.tracks):
        for ii, item in enumerate(track.items):
            key = f"project.tracks[{ti}].items[{ii}]"
            if key in filler.styles and isinstance(item, CaptionItem):
                name, column = filler.styles[key]
                try:
                    item.style = _caption_style(project, name)
                except CapkitError as err:
                    raise RowError(row, str(err), column) from None


def _check_filters(project: Project, filler: _Filler, row: int) -> None:
    if not filler.filters:
        return
    from capkit.render.plan import check_filter

    doc = {"project": project}
    for path, column in filler.filters:
        ref = _at(doc, path)
        try:
            check_filter(ref)
        except CapkitError as err:
            raise RowError(row, f"{_short(path)}: {err}", column) from None


def _at(root: dict, path: str):
    node = root
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            node = node[int(part[1:-1])]
        elif isinstance(node, dict):
            node = node[part]
        else:
            node = getattr(node, part)
    return node


__all__ = ["PLACEHOLDER", "RowError", "Template", "TemplateError", "apply_row", "load_template", "template_of",
           "variables"]
