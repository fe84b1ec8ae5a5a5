"""pytest fixtures for filter-pack authors (capkit's own pack tests use them too).

Turn them on in your ``conftest.py``::

    pytest_plugins = ["capkit.packs.testing"]

- ``capkit_pack_validator``: ``capkit_pack_validator(path)`` validates a pack folder or
  ``.capkitpack`` exactly as ``capkit filters install`` would, then renders every filter on a test
  frame at its defaults and at each parameter's min and max. The test fails listing every problem;
  on success it returns the :class:`~capkit.packs.store.ValidationReport`.
- ``capkit_data_dir``: a private, empty capkit data folder for the test (``CAPKIT_DATA_DIR``), so
  ``capkit.packs.install`` and the ``capkit`` command install there and not into your own; the
  first-party packs shipped with capkit are left out too (``CAPKIT_BUILTIN_PACKS=0``).
- ``make_pack``: ``make_pack(manifest=None, files=None, archive=False)`` writes a pack to a
  temporary folder and returns its path; with no arguments it is :func:`example_manifest` with
  its files, a valid two-filter pack to start from.
"""

from __future__ import annotations

import copy
import io
import json
import tempfile
import zipfile
from pathlib import Path

import pytest

from capkit.packs.manifest import MANIFEST

_EXAMPLE = {
    "format_version": 1,
    "id": "com.example.looks",
    "name": "Example looks",
    "version": "1.0.0",
    "author": "Example Author",
    "license": "CC-BY-4.0",
    "capkit": ">=0.1,<1",
    "description": "Two looks to start a pack from.",
    "filters": [
        {
            "id": "warm-fade",
            "name": "Warm fade",
            "thumbnail": "thumbs/warm-fade.png",
            "params": [
                {"name": "amount", "type": "float", "default": 0.6, "min": 0, "max": 1,
                 "doc": "how strong the look is"},
            ],
            "graph": [
                {"op": "grade", "params": {"contrast": 0.9, "brightness": 0.03,
                                           "saturation": {"param": "amount", "scale": 0.5, "offset": 1.0}}},
                {"op": "vignette", "params": {"strength": {"param": "amount", "scale": 0.5}}, "intensity": 0.8},
            ],
        },
        {
            "id": "mono",
            "name": "Mono",
            "graph": [{"op": "grade", "params": {"saturation": 0, "contrast": 1.2}}],
        },
    ],
}


def example_manifest() -> dict:
    """A valid manifest (a fresh copy each call, to change freely)."""
    return copy.deepcopy(_EXAMPLE)


def _png(width: int = 32, height: int = 18, rgb: tuple[int, int, int] = (220, 150, 90)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), rgb).save(out, format="PNG")
    return out.getvalue()


def example_files() -> dict[str, bytes]:
    """The files :func:`example_manifest` names."""
    return {"thumbs/warm-fade.png": _png()}


def write_pack(folder: Path, manifest: dict | None = None, files: dict[str, bytes | str | None] | None = None,
               *, archive: bool = False) -> Path:
    """Write a pack into ``folder`` (or ``folder.capkitpack`` with ``archive``); returns its path.

    ``manifest`` defaults to :func:`example_manifest`; ``files`` (path in the pack -> bytes or text)
    are added to :func:`example_files`, and a path mapped to None leaves that file out (the
    manifest too: ``files={"capkit-pack.json": ...}`` writes a manifest as given, byte for byte).
    """
    manifest = example_manifest() if manifest is None else manifest
    contents = {MANIFEST: json.dumps(manifest, indent=1), **example_files(), **(files or {})}
    contents = {k: v for k, v in contents.items() if v is not None}
    if archive:
        path = folder.with_suffix(".capkitpack")
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data in sorted(contents.items()):
                z.writestr(name, data)
        return path
    for name, data in contents.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


@pytest.fixture
def make_pack(tmp_path_factory):
    made = 0

    def make(manifest: dict | None = None, files: dict[str, bytes | str | None] | None = None, *,
             archive: bool = False) -> Path:
        nonlocal made
        made += 1
        return write_pack(tmp_path_factory.mktemp("packs") / f"pack{made}", manifest, files, archive=archive)

    return make


@pytest.fixture
def capkit_data_dir(tmp_path, monkeypatch) -> Path:
    from capkit.packs.store import BUILTIN_ENV, ENV

    folder = tmp_path / "capkit-data"
    monkeypatch.setenv(ENV, str(folder))
    monkeypatch.setenv(BUILTIN_ENV, "0")  # only what the test installs: no shipped first-party packs
    return folder


def sample_frame(width: int = 64, height: int = 36):
    """A frame with every hue and brightness on it, so no operation can look like a no-op by chance."""
    import cv2
    import numpy as np

    hue = np.tile(np.linspace(0, 179, width, dtype=np.float32), (height, 1))
    value = np.tile(np.linspace(40, 255, height, dtype=np.float32)[:, None], (1, width))
    hsv = np.dstack([hue, np.full_like(hue, 200), value]).astype(np.uint8)
    return np.ascontiguousarray(cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB))


def render_each_filter(path: Path, size: tuple[int, int] = (64, 36)) -> None:
    """Run every filter of the valid pack at ``path`` on :func:`sample_frame` on the CPU: at its
    defaults, and with each number parameter at its min and max. AssertionError names the filter."""
    from capkit.fx.backend import kernels
    from capkit.fx.registry import Frame
    from capkit.packs.archive import unpack
    from capkit.packs.check import load_pack
    from capkit.packs.graph import pack_filter_spec

    k = kernels("cpu")
    frame = sample_frame(*size)
    with tempfile.TemporaryDirectory(prefix="capkit-pack-") as tmp:
        unpack(Path(path), Path(tmp))
        pack, problems = load_pack(Path(tmp))
        assert pack is not None, problems
        for filt in pack.manifest.filters:
            spec = pack_filter_spec(pack, filt)
            settings = [{}] + [{p.name: end} for p in spec.params if p.kind in ("float", "int")
                               for end in (p.min, p.max)]
            for given in settings:
                step = spec.prepare(spec.resolve(given), size, k)
                out = frame if step is None else k.download(step(k.upload(frame.copy()), Frame()))
                assert out.shape == frame.shape and out.dtype == frame.dtype, \
                    f"{spec.id} with {given or 'its defaults'} gave a {out.dtype} frame of shape {out.shape}"


@pytest.fixture
def capkit_pack_validator():
    from capkit.packs.store import validate

    def check(path: str | Path):
        report = validate(path)
        if not report.ok:
            pytest.fail(f"{path} is not a valid capkit pack:\n" + "\n".join(f"  {m}" for m in report.messages),
                        pytrace=False)
        render_each_filter(Path(path))
        return report

    return check
