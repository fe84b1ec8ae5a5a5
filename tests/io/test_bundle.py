"""Project bundles: one .capkitz that opens from any folder and renders the same frames; hostile
or damaged bundles are refused with one clear message and leave nothing behind."""

import hashlib
import json
import shutil
import stat
import zipfile
from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from capkit import api
from capkit.io import load, missing_media, save
from capkit.io.bundle import BundleError, bundle, bundle_warnings, open_bundle
from capkit.model import CaptionItem, CaptionStyle, CaptionWord, Track
from capkit.packs.testing import capkit_data_dir, write_pack  # noqa: F401  (a fixture)
from capkit.synth.audio import tone, write_audio
from capkit.synth.video import write_video

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _frames(n: int) -> np.ndarray:
    y, x = np.mgrid[0:48, 0:64]
    return np.dstack([(x * 4 + n * 8) % 256, (y * 5) % 256, np.full_like(x, 90)]).astype(np.uint8)


@pytest.fixture
def made(tmp_path):
    """A project in its own folder: a video, an image, music, text in a font given by path, a caption."""
    src = tmp_path / "work"
    (src / "media" / "sub").mkdir(parents=True)
    write_video(src / "media" / "clip.mp4", _frames, fps=30, n_frames=45)
    Image.new("RGB", (40, 30), (30, 160, 220)).save(src / "media" / "sub" / "clip.png")  # same stem, other folder
    write_audio(src / "media" / "music.wav", tone(330, 2.0))
    (src / "fonts").mkdir()
    font = src / "fonts" / "My Font.ttf"
    if DEJAVU.is_file():
        shutil.copy(DEJAVU, font)
    project = api.new_project(128, 96, fps=30)
    api.add_media(project, src / "media" / "clip.mp4", fit="fill")
    api.add_media(project, src / "media" / "sub" / "clip.png", duration=1)
    api.add_audio(project, src / "media" / "music.wav", volume_db=-6)
    api.add_text(project, "Hi", start=0, duration=2, size=30, font=str(font) if font.exists() else "Inter")
    caption = CaptionItem(start=F(1, 2), duration=1, style=CaptionStyle(), words=[CaptionWord("yes", 0, F(1, 2))])
    project.tracks.append(Track(kind="caption", items=[caption]))
    path = save(project, src / "trip.capkit")
    return path


def test_bundle_opened_from_another_folder_renders_the_same_frames(made, tmp_path):
    before = load(made)
    frames = [api.render_frame(before, t) for t in (0, F(1, 2), F(7, 4))]
    out = bundle(made, tmp_path / "trip.capkitz")
    assert out.path.is_file() and out.warnings == []
    shutil.rmtree(made.parent)  # the originals are gone: nothing may point back at them

    opened = open_bundle(out.path, tmp_path / "elsewhere" / "trip")
    assert opened == tmp_path / "elsewhere" / "trip" / "project.capkit"
    after = load(opened)
    assert missing_media(after) == []
    for t, frame in zip((0, F(1, 2), F(7, 4)), frames):
        assert np.array_equal(api.render_frame(after, t), frame)
    text = opened.read_text()
    assert '"path": "media/clip.mp4"' in text and '"path": "media/clip.png"' in text
    manifest = json.loads((opened.parent / "bundle.json").read_text())
    assert manifest["format"] == "capkit.bundle" and manifest["format_version"] == 1
    listed = {f["path"]: f for f in manifest["files"]}
    assert set(listed) >= {"project.capkit", "media/clip.mp4", "media/clip.png", "media/music.wav"}
    data = (opened.parent / "media" / "clip.mp4").read_bytes()
    assert listed["media/clip.mp4"] == {"path": "media/clip.mp4", "size": len(data),
                                        "sha256": hashlib.sha256(data).hexdigest()}
    if DEJAVU.is_file():
        assert "fonts/My_Font.ttf" in listed
        assert manifest["fonts"][0]["license"] in ("installable", "editable", "preview & print")
    assert bundle_warnings(opened) == []


def test_an_installed_font_family_travels_for_machines_without_it(made, tmp_path, monkeypatch):
    if not DEJAVU.is_file():
        pytest.skip("needs DejaVu Sans installed")
    from capkit.render import fonts

    project = load(made)
    text = next(i for i in project.items() if hasattr(i, "style") and hasattr(i.style, "font"))
    text.style.font = "DejaVu Sans"
    save(project, made)
    out = bundle(made, tmp_path / "b.capkitz")
    manifest = json.loads(zipfile.ZipFile(out.path).read("bundle.json"))
    (entry,) = [f for f in manifest["fonts"] if f["font"] == "DejaVu Sans"]
    assert entry["file"].startswith("fonts/DejaVuSans") and entry["bold"] is True

    real = fonts.find_family
    monkeypatch.setattr(fonts, "find_family", lambda family, *a: None if family == "DejaVu Sans" else real(family, *a))
    opened = open_bundle(out.path, tmp_path / "no-dejavu")
    style = next(i.style for i in load(opened).items() if hasattr(i, "style") and hasattr(i.style, "font"))
    assert Path(style.font) == (opened.parent / entry["file"]).resolve()


def test_filter_packs_travel_and_missing_ones_are_reported(made, tmp_path, capkit_data_dir):  # noqa: F811
    from capkit.packs import store

    store.install(write_pack(tmp_path / "pack"))
    project = load(made)
    api.add_filter(project, "com.example.looks/mono", duration=1)
    save(project, made)
    out = bundle(made, tmp_path / "b.capkitz")
    manifest = json.loads(zipfile.ZipFile(out.path).read("bundle.json"))
    assert manifest["packs"] == [{"id": "com.example.looks", "version": "1.0.0", "builtin": False,
                                  "file": "packs/com.example.looks-1.0.0.capkitpack"}]
    store.remove("com.example.looks")
    opened = open_bundle(out.path, tmp_path / "there")
    pack_file = opened.parent / "packs" / "com.example.looks-1.0.0.capkitpack"
    assert bundle_warnings(opened) == [
        f"filter pack com.example.looks 1.0.0 is not installed: capkit filters install {pack_file}"]
    store.install(pack_file)  # the copy inside installs with the ordinary pack rules
    assert bundle_warnings(opened) == []


def test_proxies_replace_videos_and_say_so(made, tmp_path):
    reports = []
    out = bundle(made, tmp_path / "small.capkitz", proxies=True, progress=reports.append)
    assert {r.stage for r in reports} == {"proxy", "bundle"}
    opened = open_bundle(out.path, tmp_path / "p")
    manifest = json.loads((opened.parent / "bundle.json").read_text())
    video = next(m for m in manifest["media"] if m["original"] == "clip.mp4")
    assert video["proxy"] is True and video["file"] == "media/clip-proxy.mp4"
    assert next(m for m in manifest["media"] if m["original"] == "clip.png")["proxy"] is False
    project = load(opened)
    assert missing_media(project) == []
    assert api.render_frame(project, F(1, 2)).shape == (96, 128, 3)
    assert "proxies" in bundle_warnings(opened)[-1]


def test_missing_media_are_refused_before_bundling(made, tmp_path):
    (made.parent / "media" / "music.wav").unlink()
    with pytest.raises(BundleError, match=r"1 media file\(s\) are missing, first .*music.wav; relink them first"):
        bundle(made, tmp_path / "b.capkitz")
    assert not (tmp_path / "b.capkitz").exists()


# --- hostile and damaged bundles ----------------------------------------------------------------


def _manifest(files: dict[str, bytes], **extra) -> bytes:
    listed = [{"path": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in files.items()]
    return json.dumps({"format": "capkit.bundle", "format_version": 1, "written_by": "test", "project": "project.capkit",
                       "files": listed, **extra}).encode()


def _write(path: Path, entries: list[tuple[zipfile.ZipInfo | str, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in entries:
            zf.writestr(info, data)
    return path


@pytest.fixture
def good_files(made, tmp_path):
    out = bundle(made, tmp_path / "good.capkitz")
    with zipfile.ZipFile(out.path) as zf:
        return {n: zf.read(n) for n in zf.namelist() if n != "bundle.json"}


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def _with(files: dict, **changed: bytes) -> list:
    files = {**files, **{k.replace("__", "/"): v for k, v in changed.items()}}
    return [("bundle.json", _manifest(files)), *files.items()]


def _case(case: str, files: dict) -> tuple[list | None, str]:
    """The entries of one hostile or damaged bundle (None: not a zip at all) and the message it gets."""
    evil = b"owned"
    listed = [("bundle.json", _manifest(files)), *files.items()]
    project = files["project.capkit"]
    if case == "zip slip":
        return listed + [("../x", evil)], r"archive entry '\.\./x' points outside the bundle"
    if case == "absolute":
        return listed + [("/tmp/x", evil)], r"archive entry '/tmp/x' is an absolute path; entries must be relative"
    if case == "symlink":
        return listed + [(_symlink("media/link"), b"/etc/passwd")], \
            r"'media/link' is a symbolic link; a bundle may hold only plain files"
    if case == "zip bomb":
        return _with(files, media__big_bin=b"\0" * 20_000_000), r"archive entry 'media/big_bin' expands [\d,]+ times its packed size"
    if case == "sha mismatch":
        tampered = dict(files, **{"media/clip.mp4": files["media/clip.mp4"][:-10] + b"0123456789"})
        return [("bundle.json", _manifest(files)), *tampered.items()], \
            r"media/clip.mp4 does not match its checksum in bundle.json"
    if case == "missing project":
        rest = {k: v for k, v in files.items() if k != "project.capkit"}
        return [("bundle.json", _manifest(rest)), *rest.items()], r"it holds no project.capkit"
    if case == "not a zip":
        return None, r"it is not a capkit bundle \(a \.capkitz zip file\)"
    if case == "unlisted":
        return listed + [("media/extra.bin", evil)], r"it holds 'media/extra.bin', which bundle.json does not list"
    if case == "no manifest":
        return list(files.items()), r"it has no bundle.json"
    if case == "newer":
        return [("bundle.json", _manifest(files, format_version=99)), *files.items()], r"it was made by a newer capkit \(test\); update capkit"
    if case == "media outside":
        return _with(files, **{"project.capkit": project.replace(b'"media/clip.mp4"', b'"/etc/passwd"')}), \
            r"its project names media outside the bundle or missing from it: /etc/passwd"
    if case == "file as folder":
        return _with(files, media=b"x", **{"media/clip.mp4": files["media/clip.mp4"]}), \
            r"media(/clip.mp4)? cannot be written \("
    if case == "broken project":
        return _with(files, **{"project.capkit": b'{"format": "capkit.project", "format_version": 1, "project": 3}'}), \
            r"its project cannot be opened: .*project.capkit: project: expected an object"
    raise AssertionError(case)


CASES = ["zip slip", "absolute", "symlink", "zip bomb", "sha mismatch", "missing project", "not a zip", "unlisted",
         "no manifest", "newer", "media outside", "file as folder", "broken project"]


@pytest.mark.parametrize("case", CASES)
def test_hostile_and_damaged_bundles_are_refused(case, good_files, tmp_path):
    entries, message = _case(case, good_files)
    path = tmp_path / "h.capkitz"
    if entries is None:
        path.write_text("hello, I am not a zip")
    else:
        _write(path, entries)
    dest = tmp_path / "opened"
    with pytest.raises(BundleError, match=r"^cannot open h\.capkitz: " + message):
        open_bundle(path, dest)
    assert not dest.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary folder left
    assert not (tmp_path / "x").exists()


def test_opening_into_a_folder_with_files_is_refused(made, tmp_path):
    out = bundle(made, tmp_path / "b.capkitz")
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(BundleError, match="is not an empty folder"):
        open_bundle(out.path, tmp_path / "busy")
    assert [p.name for p in (tmp_path / "busy").iterdir()] == ["keep.txt"]


def test_size_and_file_count_limits(made, tmp_path, monkeypatch):
    from capkit.io import bundle as bundle_module

    out = bundle(made, tmp_path / "b.capkitz")
    monkeypatch.setattr(bundle_module, "MAX_TOTAL_BYTES", 10_000)
    with pytest.raises(BundleError, match=r"^cannot open b\.capkitz: it expands to more than"):
        open_bundle(out.path, tmp_path / "o")
    monkeypatch.setattr(bundle_module, "MAX_FILES", 3)
    with pytest.raises(BundleError, match=r"^cannot open b\.capkitz: it holds \d+ files; a bundle may hold at most 3"):
        open_bundle(out.path, tmp_path / "o")
    assert not (tmp_path / "o").exists()


def test_commands_and_progress(made, tmp_path):
    import typer
    from typer.testing import CliRunner

    from capkit.cli import interchange

    reports = []
    bundle(made, tmp_path / "p.capkitz", progress=reports.append)
    assert reports and reports[-1].done == reports[-1].total > 0 and reports[-1].stage == "bundle"

    app = typer.Typer()
    app.command("bundle")(interchange.bundle)
    app.command("unbundle")(interchange.unbundle)
    runner = CliRunner()
    done = runner.invoke(app, ["bundle", str(made), "-o", str(tmp_path / "c.capkitz")])
    assert done.exit_code == 0, done.output
    assert "wrote" in done.output and "c.capkitz" in done.output
    opened = runner.invoke(app, ["unbundle", str(tmp_path / "c.capkitz"), "-o", str(tmp_path / "there")])
    assert opened.exit_code == 0, opened.output
    assert "project.capkit" in opened.output and (tmp_path / "there" / "project.capkit").is_file()
    again = runner.invoke(app, ["bundle", str(made), "-o", str(tmp_path / "c.capkitz")])
    assert again.exit_code == 2 and "already exists; pass --force" in " ".join(again.output.split())


def test_opening_into_an_empty_folder_and_a_full_disk(made, tmp_path, monkeypatch):
    out = bundle(made, tmp_path / "b.capkitz")
    (tmp_path / "empty").mkdir()
    assert open_bundle(out.path, tmp_path / "empty") == tmp_path / "empty" / "project.capkit"
    import collections

    usage = collections.namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda _: usage(10**6, 10**6 - 1000, 1000))
    with pytest.raises(BundleError, match=r"^cannot open b\.capkitz: it needs [\d.]+ GB and .* has only 0\.0 GB free"):
        open_bundle(out.path, tmp_path / "full")
    assert not (tmp_path / "full").exists()
