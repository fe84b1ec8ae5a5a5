"""``capkit filters`` as a user runs it: real processes, a private data folder, exit codes and messages."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

from capkit.packs.testing import example_manifest

CAPKIT = str(Path(sys.executable).with_name("capkit"))


def run(*args, data):
    env = {**os.environ, "CAPKIT_DATA_DIR": str(data)}
    env.pop("CAPKIT_DEBUG", None)
    return subprocess.run([CAPKIT, "filters", *map(str, args)], capture_output=True, text=True, env=env, timeout=120)


def ok(result):
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    return result


def one_error_line(result):
    """Exit status 2, no traceback, and the message as one line starting with 'error:'."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0][len("error: "):]


def test_install_list_info_remove(make_pack, capkit_data_dir):
    pack = make_pack(archive=True)
    digest = hashlib.sha256(pack.read_bytes()).hexdigest()
    out = ok(run("install", pack, "--sha256", digest, data=capkit_data_dir)).stdout
    assert "installed com.example.looks 1.0.0 (2 filters: com.example.looks/warm-fade, com.example.looks/mono)" in out
    listing = json.loads(ok(run("list", "--json", data=capkit_data_dir)).stdout)
    ids = [f["id"] for f in listing["filters"]]
    assert "grade" in ids and {"com.example.looks/warm-fade", "com.example.looks/mono"} <= set(ids)
    assert listing["packs"][0]["versions"] == ["1.0.0"] and listing["problems"] == []
    table = ok(run("list", data=capkit_data_dir)).stdout
    assert "com.example.looks 1.0.0" in table and "built-in" in table
    info = ok(run("info", "com.example.looks", data=capkit_data_dir)).stdout
    assert "Example looks" in info and "CC-BY-4.0" in info and "amount" in info
    detail = json.loads(ok(run("info", "com.example.looks/warm-fade", "--json", data=capkit_data_dir)).stdout)
    assert detail["pack"] == "com.example.looks" and detail["params"][0]["name"] == "amount"
    builtin = json.loads(ok(run("info", "vignette", "--json", data=capkit_data_dir)).stdout)
    assert builtin["pack"] is None and "strength" in [p["name"] for p in builtin["params"]]
    assert "removed com.example.looks 1.0.0" in ok(run("remove", "com.example.looks", data=capkit_data_dir)).stdout
    assert json.loads(ok(run("list", "--json", data=capkit_data_dir)).stdout)["packs"] == []


def test_validate(make_pack, capkit_data_dir):
    good = make_pack()
    assert f"ok: {good}: com.example.looks 1.0.0 is a valid pack (2 filters)" in \
        ok(run("validate", good, data=capkit_data_dir)).stdout
    m = example_manifest()
    m["filters"][1]["graph"][0]["op"] = "sparkle"
    bad = make_pack(m)
    assert one_error_line(run("validate", bad, data=capkit_data_dir)) == (
        f"{bad}: filters[1].graph[0].op: unknown operation 'sparkle' (capkit filters list shows the built-in ones)")
    m["filters"][0]["graph"][1]["intensity"] = 3
    result = run("validate", make_pack(m), data=capkit_data_dir)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and lines[0].endswith("has 2 problems:")
    assert [line.strip() for line in lines[1:]] == [
        "filters[0].graph[1].intensity: intensity must be at most 1 (got 3)",
        "filters[1].graph[0].op: unknown operation 'sparkle' (capkit filters list shows the built-in ones)"]
    assert not capkit_data_dir.exists()  # validating installs nothing


def test_bad_input_is_one_line_and_exit_2(make_pack, capkit_data_dir, tmp_path):
    pack = make_pack(archive=True)
    assert one_error_line(run("install", pack, "--sha256", "0" * 64, data=capkit_data_dir)).startswith(
        f"{pack}: checksum mismatch: expected {'0' * 64}, got ")
    assert one_error_line(run("install", "https://example.com/p.capkitpack", data=capkit_data_dir)).startswith(
        "https://example.com/p.capkitpack: downloading a pack needs --sha256")
    assert one_error_line(run("install", tmp_path / "nope", data=capkit_data_dir)) == f"{tmp_path / 'nope'} does not exist"
    assert one_error_line(run("remove", "com.example.none", data=capkit_data_dir)) == \
        "no pack 'com.example.none' is installed (see: capkit filters list)"
    assert one_error_line(run("info", "sparkle", data=capkit_data_dir)).startswith("unknown filter 'sparkle'")
    assert not capkit_data_dir.exists() or not any(capkit_data_dir.rglob("*.json"))
    ok(run("install", pack, data=capkit_data_dir))
    assert one_error_line(run("install", pack, data=capkit_data_dir)) == \
        "com.example.looks 1.0.0 is already installed; pass --force to reinstall it"
    assert ok(run("install", pack, "--force", data=capkit_data_dir)).returncode == 0


def test_pack_text_is_printed_literally(make_pack, capkit_data_dir):
    """Text from a pack may look like rich markup ('[/]'); it must reach the user as written."""
    m = example_manifest()
    m["filters"][1]["graph"][0]["op"] = "[/bold]x"
    message = one_error_line(run("validate", make_pack(m), data=capkit_data_dir))
    assert message.endswith("filters[1].graph[0].op: unknown operation '[/bold]x' (capkit filters list shows the built-in ones)")


def test_a_broken_pack_is_a_warning_in_the_listing(make_pack, capkit_data_dir):
    ok(run("install", make_pack(), data=capkit_data_dir))
    manifest = capkit_data_dir / "packs" / "com.example.looks" / "1.0.0" / "capkit-pack.json"
    manifest.write_text("{")
    result = ok(run("list", data=capkit_data_dir))
    assert "com.example.looks" not in result.stdout
    assert result.stderr.startswith(f"warning: skipped {manifest.parent}: capkit-pack.json: is not valid JSON")
    assert json.loads(ok(run("list", "--json", data=capkit_data_dir)).stdout)["problems"][0]["path"] == str(manifest.parent)
