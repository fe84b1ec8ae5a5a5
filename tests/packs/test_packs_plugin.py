"""The fixtures for pack authors work the way docs/filter-packs.md says: as a pytest plugin in their own project."""

import os
import subprocess
import sys

from capkit.packs.testing import write_pack

AUTHOR_TESTS = '''
import pytest

from capkit import packs


@pytest.fixture
def pack(request):
    return request.path.parent / "com.example.looks"


def test_pack_is_valid(capkit_pack_validator, pack):
    assert capkit_pack_validator(pack).manifest.id == "com.example.looks"


def test_pack_installs(capkit_data_dir, pack):
    assert packs.install(pack).path.is_relative_to(capkit_data_dir)


def test_a_broken_pack_fails_with_its_problems(capkit_pack_validator, make_pack):
    manifest = make_pack()
    (manifest / "capkit-pack.json").write_text("{}")
    with pytest.raises(pytest.fail.Exception, match="format_version: required field is missing"):
        capkit_pack_validator(manifest)
'''


def test_author_project(tmp_path):
    write_pack(tmp_path / "com.example.looks")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["capkit.packs.testing"]\n')
    (tmp_path / "test_my_pack.py").write_text(AUTHOR_TESTS)
    env = {k: v for k, v in os.environ.items() if k != "CAPKIT_DATA_DIR"}
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                            capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    assert "3 passed" in result.stdout, result.stdout + result.stderr
