"""Reading a text file the user named (a project, a subtitle file): its UTF-8 text, or one error.

Every reader of user files reports the same four problems the same way: the file is missing, is
a folder, cannot be read, or is not UTF-8 (with the line where decoding failed).
"""

from __future__ import annotations

from pathlib import Path

from capkit.errors import CapkitError


def read_text(path: Path, kind: str, error: type[CapkitError], name: str | None = None) -> str:
    """The file's text (a UTF-8 byte-order mark is dropped); ``name`` is how messages call the file."""
    name = name or str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise error(f"{name}: no such {kind} file ({path})") from None
    except IsADirectoryError:
        raise error(f"{name}: is a folder, not a {kind} file") from None
    except OSError as exc:
        raise error(f"{name}: cannot be read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{name}: line {line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as UTF-8"
        ) from None
