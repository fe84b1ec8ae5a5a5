"""The one error type of filter packs."""

from __future__ import annotations

from capkit.errors import CapkitError


class PackError(CapkitError):
    """A pack that cannot be installed, found or removed; the message names the pack and the problem."""
