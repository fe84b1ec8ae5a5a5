"""The errors capkit reports to people.

Every error a user can cause (a bad file, a missing media path, an impossible edit) is a
``CapkitError`` whose message says what was wrong, where, and what to do. The CLI prints that one
line and exits with status 2; the GUI shows it in a dialog. Anything else is a bug.
"""

from __future__ import annotations


class CapkitError(Exception):
    """A problem the user can fix. ``str(err)`` is the one-line message shown to them."""


class ProjectFileError(CapkitError):
    """A .capkit file that cannot be read: broken JSON, wrong schema, future version."""


class MediaError(CapkitError):
    """A media file that is missing, unreadable or of an unsupported kind."""


class EditError(CapkitError):
    """An edit that would break the timeline's rules (overlap, out of range, wrong track kind)."""


class RenderError(CapkitError):
    """A render that cannot be done as asked (bad range, bad size, encoder failure)."""


class Cancelled(CapkitError):
    """Long work stopped because the user asked it to."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)
