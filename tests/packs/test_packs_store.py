"""Installing, listing, upgrading and removing packs, in a private data folder per test."""

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from capkit import packs
from capkit.packs import PackError
from capkit.packs.testing import example_manifest


def tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


def version(make_pack, v, *, archive=False, drop_mono=False, capkit=None):
    m = example_manifest()
    m["version"] = v
    if drop_mono:
        m["filters"].pop()
    if capkit:
        m["capkit"] = capkit
    return make_pack(m, archive=archive)


def sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("archive", [False, True], ids=["folder", "capkitpack"])
def test_install_list_info_remove(make_pack, capkit_data_dir, archive):
    info = packs.install(make_pack(archive=archive))
    assert (info.id, info.version, info.versions) == ("com.example.looks", "1.0.0", ("1.0.0",))
    assert [f.id for f in info.filters] == ["com.example.looks/warm-fade", "com.example.looks/mono"]
    assert info.path == capkit_data_dir / "packs" / "com.example.looks" / "1.0.0"
    assert info.filters[0].thumbnail.read_bytes()[:4] == b"\x89PNG"
    assert [p.id for p in packs.installed()] == ["com.example.looks"]
    assert packs.info("com.example.looks") == info == packs.info("com.example.looks/mono")
    assert packs.resolve("com.example.looks/warm-fade").params[0].name == "amount"
    assert json.loads(json.dumps(info.to_json()))["filters"][0]["params"][0]["max"] == 1
    assert packs.remove("com.example.looks") == ["1.0.0"]
    assert packs.installed() == [] and tree(capkit_data_dir / "packs") == []


def test_the_pack_is_copied_not_linked(make_pack):
    source = make_pack()
    packs.install(source)
    shutil.rmtree(source)
    assert packs.resolve("com.example.looks/mono").name == "Mono"


def test_upgrade_keeps_older_versions_for_projects_that_need_them(make_pack):
    packs.install(version(make_pack, "1.0.0"))
    packs.install(version(make_pack, "1.1.0", drop_mono=True))
    info = packs.info("com.example.looks")
    assert (info.version, info.versions) == ("1.1.0", ("1.1.0", "1.0.0"))
    assert [f.id for f in info.filters] == ["com.example.looks/warm-fade"]
    # a project using 'mono' keeps working: it comes from 1.0.0, the newest version that has it
    assert packs.resolve("com.example.looks/mono").name == "Mono"
    assert packs.remove("com.example.looks@1.0.0") == ["1.0.0"]
    with pytest.raises(PackError, match=r"^pack com.example.looks 1.1.0 has no filter 'mono'; it has warm-fade$"):
        packs.resolve("com.example.looks/mono")


def test_the_newest_version_that_suits_this_capkit_is_used(make_pack):
    packs.install(version(make_pack, "1.0.0"))
    packs.install(version(make_pack, "2.0.0"))
    newest = packs.packs_dir() / "com.example.looks" / "2.0.0" / "capkit-pack.json"
    manifest = json.loads(newest.read_text())
    manifest["capkit"] = ">=9"  # as if capkit were downgraded after installing it
    newest.write_text(json.dumps(manifest))
    assert packs.info("com.example.looks").version == "1.0.0"
    loaded, problems = packs.load_all()
    assert [p.version for p in loaded] == ["1.0.0"]
    assert [str(p) for p in problems] == [
        f"{newest.parent}: capkit: the pack needs capkit >=9, and this is capkit 0.1.0"]


def test_same_or_older_version_needs_force(make_pack):
    packs.install(version(make_pack, "1.2.0"))
    with pytest.raises(PackError) as err:
        packs.install(version(make_pack, "1.2.0"))
    assert str(err.value) == "com.example.looks 1.2.0 is already installed; pass --force to reinstall it"
    with pytest.raises(PackError) as err:
        packs.install(version(make_pack, "1.0.0"))
    assert str(err.value) == "com.example.looks 1.2.0 is installed, which is newer than 1.0.0; pass --force to go back to 1.0.0"
    assert packs.info("com.example.looks").versions == ("1.2.0",)
    # forcing the same version replaces it; forcing an older one makes it the one in use
    assert packs.install(version(make_pack, "1.2.0", drop_mono=True), force=True).versions == ("1.2.0",)
    assert len(packs.info("com.example.looks").filters) == 1
    assert packs.install(version(make_pack, "1.0.0"), force=True).versions == ("1.0.0",)
    assert [p.name for p in (packs.packs_dir() / "com.example.looks").iterdir()] == ["1.0.0"]


def test_semantic_version_order(make_pack):
    for v in ("1.0.0-beta", "1.0.0-alpha.1", "1.0.0"):
        packs.install(version(make_pack, v), force=True)
    assert packs.info("com.example.looks").version == "1.0.0"
    packs.install(version(make_pack, "1.10.0"))
    assert packs.info("com.example.looks").versions[0] == "1.10.0"


def test_an_incompatible_pack_is_not_installed(make_pack, capkit_data_dir):
    path = version(make_pack, "1.0.0", capkit=">=9")
    with pytest.raises(PackError) as err:
        packs.install(path)
    assert str(err.value) == f"{path}: capkit: the pack needs capkit >=9, and this is capkit 0.1.0"
    assert tree(capkit_data_dir) == []


def test_checksums(make_pack, capkit_data_dir):
    path = make_pack(archive=True)
    wrong = "0" * 64
    with pytest.raises(PackError) as err:
        packs.install(path, sha256=wrong)
    assert str(err.value) == (f"{path}: checksum mismatch: expected {wrong}, got {sha(path)}; "
                              "this is not the file the pack's author published")
    with pytest.raises(PackError, match=r"^--sha256 must be 64 hexadecimal digits \(got 'abc'\)$"):
        packs.install(path, sha256="abc")
    folder = make_pack()
    with pytest.raises(PackError, match=r": --sha256 checks an archive, and this is a folder$"):
        packs.install(folder, sha256=wrong)
    assert tree(capkit_data_dir) == []
    assert packs.install(path, sha256=sha(path).upper()).version == "1.0.0"


def test_addresses(make_pack, capkit_data_dir):
    path = make_pack(archive=True)
    assert packs.install(path.as_uri()).id == "com.example.looks"  # file:// needs no checksum: it is local
    packs.remove("com.example.looks")
    before = tree(capkit_data_dir)
    url = "https://example.com/looks.capkitpack"
    with pytest.raises(PackError) as err:
        packs.install(url)
    assert str(err.value) == (f"{url}: downloading a pack needs --sha256 with the checksum its author publishes, "
                              "so capkit can tell it got the right file")
    with pytest.raises(PackError, match=r"^http://example.com/x: only https:// and file:// addresses can be installed$"):
        packs.install("http://example.com/x", sha256=sha(path))
    with pytest.raises(PackError, match=r"a file:// address must name a file on this computer$"):
        packs.install("file://elsewhere/x.capkitpack")
    with pytest.raises(PackError, match=r"/nope.capkitpack does not exist$"):
        packs.install(path.parent / "nope.capkitpack")
    assert tree(capkit_data_dir) == before == ["packs"]


def test_https_downloads_are_checked_and_cleaned_up(make_pack, capkit_data_dir, monkeypatch):
    """The https path end to end, with the network door opening on a local file instead."""
    from capkit.packs import fetch

    path = make_pack(archive=True)
    opened = []

    def local(url, timeout):
        opened.append(url)
        return open(path, "rb")

    monkeypatch.setattr(fetch, "urlopen", local)
    url = "https://example.com/looks.capkitpack"
    with pytest.raises(PackError, match="checksum mismatch"):
        packs.install(url, sha256="1" * 64)
    assert tree(capkit_data_dir) == []
    assert packs.install(url, sha256=sha(path)).version == "1.0.0"
    assert opened == [url, url]
    assert tree(capkit_data_dir / "packs")[:2] == ["com.example.looks", "com.example.looks/1.0.0"]
    assert not [p for p in (capkit_data_dir / "packs").iterdir() if p.name.startswith(".")]


def test_download_limit(tmp_path, monkeypatch):
    from capkit.packs import archive, fetch

    monkeypatch.setattr(fetch, "MAX_TOTAL_BYTES", 1000)
    big = tmp_path / "big.capkitpack"
    big.write_bytes(b"x" * 5000)
    with pytest.raises(PackError, match="the download is over 0 MB"):
        fetch.download(big.as_uri(), tmp_path / "out")
    monkeypatch.setattr(fetch, "MAX_TOTAL_BYTES", archive.MAX_TOTAL_BYTES)
    assert fetch.download(big.as_uri(), tmp_path / "out2") == sha(big)
    with pytest.raises(PackError, match="download failed"):
        fetch.download((tmp_path / "missing").as_uri(), tmp_path / "out3")


@pytest.mark.parametrize("breakage", ["bad manifest", "zip slip", "bad lut", "existing newer"])
def test_a_failed_install_leaves_nothing_behind(make_pack, capkit_data_dir, tmp_path, breakage):
    import zipfile

    if breakage == "existing newer":
        packs.install(version(make_pack, "2.0.0"))
        source = version(make_pack, "1.0.0", archive=True)
    elif breakage == "bad manifest":
        m = example_manifest()
        m["filters"][0]["graph"][0]["op"] = "sparkle"
        source = make_pack(m, archive=True)
    elif breakage == "zip slip":
        source = make_pack(archive=True)
        with zipfile.ZipFile(source, "a") as z:
            z.writestr("../../escaped.txt", "boo")
    else:
        m = example_manifest()
        m["filters"][1]["graph"].append({"op": "lut3d", "params": {"path": "film.cube"}})
        source = make_pack(m, {"film.cube": "LUT_3D_SIZE 17\n1 2 3\n"}, archive=True)
    before = tree(capkit_data_dir)
    with pytest.raises(PackError):
        packs.install(source)
    assert tree(capkit_data_dir) == before
    assert not list(tmp_path.rglob("escaped.txt"))


def test_a_broken_pack_is_reported_and_the_others_still_load(make_pack, capkit_data_dir):
    packs.install(make_pack())
    other = example_manifest()
    other["id"] = "org.other.looks"
    packs.install(make_pack(other))
    manifest = capkit_data_dir / "packs" / "com.example.looks" / "1.0.0" / "capkit-pack.json"
    manifest.write_text(manifest.read_text().replace('"grade"', '"sparkle"'))
    (capkit_data_dir / "packs" / "stray-file.txt").write_text("?")
    loaded, problems = packs.load_all()
    assert [p.id for p in loaded] == ["org.other.looks"]
    assert [str(p) for p in problems] == [
        f"{manifest.parent}: filters[0].graph[0].op: unknown operation 'sparkle' (capkit filters list shows the "
        "built-in ones) (and 1 more problems)",
        f"{capkit_data_dir / 'packs' / 'stray-file.txt'}: is not a pack folder (remove it)",
    ]
    assert [p.id for p in packs.installed()] == ["org.other.looks"]
    assert packs.resolve("org.other.looks/mono").id == "org.other.looks/mono"
    with pytest.raises(PackError) as err:
        packs.resolve("com.example.looks/mono")
    assert str(err.value).startswith("filter 'com.example.looks/mono' comes from pack com.example.looks, "
                                     f"which cannot be used: {manifest.parent}: filters[0].graph[0].op:")
    with pytest.raises(PackError, match="is installed but cannot be used"):
        packs.info("com.example.looks")
    assert packs.remove("com.example.looks") == ["1.0.0"]  # a broken pack can always be removed


def test_a_pack_installed_under_the_wrong_name_is_not_used(make_pack, capkit_data_dir):
    packs.install(make_pack())
    folder = capkit_data_dir / "packs" / "com.example.looks"
    os.rename(folder / "1.0.0", folder / "2.0.0")
    loaded, problems = packs.load_all()
    assert loaded == [] and [p.message for p in problems] == [
        "capkit-pack.json says com.example.looks 1.0.0, but it is installed as com.example.looks 2.0.0"]


def test_edits_to_an_installed_manifest_are_seen(make_pack, capkit_data_dir):
    info = packs.install(make_pack())
    assert packs.resolve("com.example.looks/mono").name == "Mono"
    manifest = info.path / "capkit-pack.json"
    manifest.write_text(manifest.read_text().replace('"Mono"', '"Mono II"'))
    assert packs.resolve("com.example.looks/mono").name == "Mono II"


@pytest.mark.parametrize("call, message", [
    (lambda: packs.remove("../etc"), "'../etc' is not a pack id (pack ids look like com.example.looks)"),
    (lambda: packs.remove("com.example.none"), "no pack 'com.example.none' is installed (see: capkit filters list)"),
    (lambda: packs.info("com.example.none"), "no pack 'com.example.none' is installed (see: capkit filters list)"),
    (lambda: packs.resolve("com.example.none/warm"),
     "filter 'com.example.none/warm' comes from pack com.example.none, which is not installed "
     "(install it with: capkit filters install PACK)"),
    (lambda: packs.resolve("grade"), "'grade' is not a pack filter id (they look like com.example.looks/warm)"),
])
def test_asking_for_what_is_not_there(call, message):
    with pytest.raises(PackError) as err:
        call()
    assert str(err.value) == message


def test_removing_one_version(make_pack):
    packs.install(version(make_pack, "1.0.0"))
    with pytest.raises(PackError) as err:
        packs.remove("com.example.looks@9.9.9")
    assert str(err.value) == "com.example.looks 9.9.9 is not installed; installed: 1.0.0"
    assert packs.remove("com.example.looks@1.0.0") == ["1.0.0"]
    assert not (packs.packs_dir() / "com.example.looks").exists()


def test_leftovers_of_a_killed_install_are_swept(make_pack, capkit_data_dir):
    stale = capkit_data_dir / "packs" / ".install-abc"
    stale.mkdir(parents=True)
    (stale / "half.cube").write_text("LUT")
    os.utime(stale, (0, 0))
    packs.install(make_pack())
    assert not stale.exists()
    assert [p.id for p in packs.installed()] == ["com.example.looks"]
