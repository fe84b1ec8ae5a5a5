"""What a pack may hold: plain files inside it, within limits; anything else is refused before it is written."""

import json
import os
import stat
import zipfile

import pytest

from capkit.packs import archive, validate
from capkit.packs.testing import example_files, example_manifest, write_pack


def zip_pack(path, extra=(), *, prefix=""):
    """A valid pack archive plus ``extra`` entries: (name, data) or (ZipInfo, data)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(prefix + "capkit-pack.json", json.dumps(example_manifest()))
        for name, data in example_files().items():
            z.writestr(prefix + name, data)
        for name, data in extra:
            z.writestr(name, data)
    return path


def special(name, mode):
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    return info


def problems(path):
    return validate(path).messages


def test_a_zipped_pack_folder_is_read_from_its_folder(tmp_path):
    path = zip_pack(tmp_path / "p.capkitpack", prefix="my-pack/")
    assert problems(path) == []


def test_hidden_files_and_macos_extras_are_left_out(tmp_path):
    path = zip_pack(tmp_path / "p.capkitpack", [(".git/config", "x"), ("__MACOSX/._thumbs", "x")])
    assert problems(path) == []
    folder = write_pack(tmp_path / "folder", files={".DS_Store": b"x", ".git/HEAD": b"ref"})
    out = tmp_path / "out"
    out.mkdir()
    archive.unpack(folder, out)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "capkit-pack.json", "thumbs/warm-fade.png"]


@pytest.mark.parametrize("entry, message", [
    ("../evil.txt", "archive entry '../evil.txt' points outside the pack"),
    ("luts/../../evil.txt", "archive entry 'luts/../../evil.txt' points outside the pack"),
    ("/tmp/evil.txt", "archive entry '/tmp/evil.txt' is an absolute path; entries must be relative to the pack"),
    ("C:/evil.txt", "archive entry 'C:/evil.txt' is an absolute path; entries must be relative to the pack"),
    ("..\\evil.txt", "archive entry '..\\\\evil.txt' has a backslash in its name; zip paths use '/'"),
])
def test_entries_that_would_land_outside_the_pack(tmp_path, entry, message):
    path = zip_pack(tmp_path / "p.capkitpack", [(entry, "boo")])
    assert problems(path) == [message]
    assert not (tmp_path / "evil.txt").exists()


@pytest.mark.parametrize("mode, message", [
    (stat.S_IFLNK | 0o777, "'luts/film.cube' is a symbolic link; a pack may hold only plain files and folders"),
    (stat.S_IFCHR | 0o644, "'luts/film.cube' is a device file or pipe; a pack may hold only plain files and folders"),
    (stat.S_IFIFO | 0o644, "'luts/film.cube' is a device file or pipe; a pack may hold only plain files and folders"),
])
def test_links_and_devices_in_an_archive(tmp_path, mode, message):
    path = zip_pack(tmp_path / "p.capkitpack", [(special("luts/film.cube", mode), "/etc/passwd")])
    assert problems(path) == [message]


def test_links_and_pipes_in_a_folder(tmp_path):
    folder = write_pack(tmp_path / "pack")
    (folder / "luts").mkdir()
    os.symlink("/etc/passwd", folder / "luts" / "film.cube")
    assert problems(folder) == ["'luts/film.cube' is a symbolic link; a pack may hold only plain files and folders"]
    os.unlink(folder / "luts" / "film.cube")
    os.symlink("/etc", folder / "luts" / "all")
    assert problems(folder) == ["'luts/all' is a symbolic link; a pack may hold only plain files and folders"]
    os.unlink(folder / "luts" / "all")
    os.mkfifo(folder / "luts" / "pipe")
    assert problems(folder) == ["'luts/pipe' is a device file or pipe; a pack may hold only plain files and folders"]


def test_a_zip_bomb_is_refused_by_its_ratio(tmp_path):
    path = zip_pack(tmp_path / "p.capkitpack", [("bomb.bin", b"\0" * 20_000_000)])
    info = zipfile.ZipFile(path).getinfo("bomb.bin")
    ratio = info.file_size / info.compress_size
    assert problems(path) == [
        f"archive entry 'bomb.bin' expands {ratio:,.0f} times its packed size; refusing what looks like a zip bomb"]


def test_too_many_files(tmp_path):
    path = zip_pack(tmp_path / "p.capkitpack", [(f"junk/{i}.txt", "") for i in range(archive.MAX_FILES)])
    assert problems(path) == [f"the pack holds {archive.MAX_FILES + 2:,} files; a pack may hold at most 2,000"]
    folder = write_pack(tmp_path / "pack", files={f"junk/{i}.txt": b"" for i in range(archive.MAX_FILES)})
    assert problems(folder) == [f"the pack holds {archive.MAX_FILES + 1:,} files; a pack may hold at most 2,000"]


def test_too_big(tmp_path, monkeypatch):
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1_000_000)
    somewhat_compressible = bytes(b % 16 for b in os.urandom(1_200_000))
    path = zip_pack(tmp_path / "p.capkitpack", [("big.bin", somewhat_compressible)])
    assert problems(path) == ["the pack expands to 1.2 MB; a pack may be at most 1.0 MB"]
    folder = write_pack(tmp_path / "pack", files={"big.bin": somewhat_compressible})
    assert problems(folder) == ["the pack expands to 1.2 MB; a pack may be at most 1.0 MB"]
    path = zip_pack(tmp_path / "random.capkitpack", [("big.bin", os.urandom(1_200_000))])
    assert problems(path) == ["is 1.2 MB; a pack may be at most 1.0 MB"]


def test_an_archive_that_lies_about_its_sizes(tmp_path, monkeypatch):
    """The limits hold for what is really written, whatever the archive's directory claims."""
    path = zip_pack(tmp_path / "p.capkitpack", [("big.bin", os.urandom(1_200_000))])
    real_infolist = zipfile.ZipFile.infolist

    def shrunk(self):
        infos = real_infolist(self)
        for info in infos:
            if info.filename == "big.bin":
                info.file_size = 10
        return infos

    monkeypatch.setattr(zipfile.ZipFile, "infolist", shrunk)
    assert problems(path) == ["archive entry 'big.bin' cannot be read (Bad CRC-32 for file 'big.bin')"]


def test_duplicate_and_encrypted_entries(tmp_path):
    with pytest.warns(UserWarning, match="Duplicate name"):
        path = zip_pack(tmp_path / "dup.capkitpack", [("capkit-pack.json", "{}")])
    assert problems(path) == ["archive holds 'capkit-pack.json' twice"]
    path = zip_pack(tmp_path / "locked.capkitpack", [("luts/film.cube", "x")])
    data = bytearray(path.read_bytes())  # zipfile cannot write encrypted entries: set the flag by hand
    at = data.rindex(b"luts/film.cube") - 46  # the entry's central directory record (46 bytes, then the name)
    assert data[at:at + 4] == b"PK\x01\x02"
    data[at + 8] |= 0x1  # general purpose flags, bit 0: encrypted
    path.write_bytes(bytes(data))
    assert problems(path) == ["archive entry 'luts/film.cube' is encrypted"]


def test_not_an_archive(tmp_path):
    (tmp_path / "p.capkitpack").write_bytes(b"PK but not really")
    assert problems(tmp_path / "p.capkitpack") == ["is not a .capkitpack archive (a zip file) or a pack folder"]
    assert problems(tmp_path / "missing") == ["does not exist"]
