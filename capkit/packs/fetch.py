"""Getting a pack's bytes from where the user pointed: checksums and the one network fetch.

A download happens only when the user asks for an ``https://`` address and gives the SHA-256 the
pack's author published; it is streamed to a file beside the pack store, counted against the
same size limit as an unpacked pack, and hashed on the way.
"""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request
from pathlib import Path

from capkit.packs.archive import MAX_TOTAL_BYTES
from capkit.packs.errors import PackError

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_CHUNK = 1 << 20
urlopen = urllib.request.urlopen  # the one door to the network (tests put a local file behind it)


def checksum_arg(text: str | None) -> str | None:
    """``--sha256`` as lower-case hex, or None; PackError if it is not 64 hex digits."""
    if text is None:
        return None
    if not _HEX64.match(text.strip()):
        raise PackError(f"--sha256 must be 64 hexadecimal digits (got {text!r})")
    return text.strip().lower()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def download(url: str, dest: Path, *, timeout: float = 60) -> str:
    """Stream ``url`` into the new file ``dest``; returns its SHA-256. PackError on failure or when too big."""
    digest = hashlib.sha256()
    size = 0
    try:
        with urlopen(url, timeout=timeout) as response, open(dest, "xb") as out:
            while chunk := response.read(_CHUNK):
                size += len(chunk)
                if size > MAX_TOTAL_BYTES:
                    raise PackError(f"{url}: the download is over {MAX_TOTAL_BYTES / 1e6:,.0f} MB; "
                                    f"a pack may be at most {MAX_TOTAL_BYTES / 1e6:,.0f} MB")
                digest.update(chunk)
                out.write(chunk)
    except urllib.error.HTTPError as err:
        raise PackError(f"{url}: download failed: HTTP {err.code} {err.reason}") from None
    except urllib.error.URLError as err:
        raise PackError(f"{url}: download failed: {err.reason}") from None
    except (OSError, TimeoutError) as err:
        raise PackError(f"{url}: download failed: {err}") from None
    return digest.hexdigest()
