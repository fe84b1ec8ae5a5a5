"""Autosave backups: where they go, how many are kept, what is offered after a crash."""

import json
import os
import subprocess
import sys
import time
from fractions import Fraction

import pytest

import capkit.io as cio
from capkit.errors import ProjectFileError
from capkit.io import backups
from capkit.model import ColorClip, Project, TextItem, Track


def make_project(n_items: int = 3, name: str = "Trip") -> Project:
    return Project(name=name, tracks=[
        Track(kind="video", id="v", items=[
            ColorClip(id=f"c{i}", start=i, duration=1, color="#112233") for i in range(n_items)]),
        Track(kind="text", id="t", items=[TextItem(id="t1", start=0, duration=Fraction(3, 2), text="Hi ✨")]),
    ])


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def crash(session: backups.Session) -> None:
    """Make ``session`` look like an editor that died: its lock stays, its pid is gone."""
    lock = json.loads(session.lock_path.read_text())
    lock["pid"] = dead_pid()
    lock["proc_start"] = None
    session.lock_path.write_text(json.dumps(lock))


@pytest.fixture
def root(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("CAPKIT_DATA_DIR", str(data))
    return data / "backups"


def test_backups_live_under_the_data_folder_and_are_project_files(tmp_path, root):
    session = backups.Session.start()
    assert session.lock_path.parent == root / "sessions"
    lock = json.loads(session.lock_path.read_text())
    assert lock["pid"] == os.getpid()
    path = tmp_path / "trip.capkit"
    made = backups.write_backup(make_project(), session, path, generation=7)
    assert made.path.parent == root / backups.project_key(path)
    assert made.key.startswith("trip-")
    assert made.path.name.endswith("-000001.capkit")
    meta = json.loads(made.path.with_suffix(".json").read_text())
    assert meta["original"] == str(path.resolve())
    assert meta["name"] == "Trip" and meta["items"] == 4 and meta["generation"] == 7
    assert meta["session"] == session.id
    # a backup opens as an ordinary project file
    assert cio.dumps(cio.load(made.path), path) == cio.dumps(make_project(), path)


def test_untitled_projects_get_a_session_key(root):
    session = backups.Session.start()
    made = backups.write_backup(make_project(), session, None)
    assert made.key == f"untitled-{session.id}"
    assert made.original is None


def test_prune_keeps_the_newest(tmp_path, root):
    session = backups.Session.start()
    path = tmp_path / "p.capkit"
    made = [backups.write_backup(make_project(i + 1), session, path, generation=i, keep=5) for i in range(12)]
    listing = backups.list_backups(made[0].key)
    assert [b.generation for b in listing.backups] == [11, 10, 9, 8, 7]
    assert [b.path for b in listing.backups] == [m.path for m in reversed(made[-5:])]
    left = sorted(p.name for p in (root / made[0].key).iterdir())
    assert left == sorted([m.path.name for m in made[-5:]] + [m.path.with_suffix(".json").name for m in made[-5:]])


def test_prune_keeps_the_newest_backup_of_a_crashed_session(tmp_path, root):
    path = tmp_path / "p.capkit"
    old = backups.Session.start()
    kept = backups.write_backup(make_project(1), old, path, generation=1)
    crash(old)
    new = backups.Session.start()
    for i in range(6):
        backups.write_backup(make_project(2), new, path, generation=10 + i, keep=3)
    listing = backups.list_backups(kept.key)
    assert kept.path in [b.path for b in listing.backups]
    assert len(listing.backups) == 4


def test_recoverable_after_a_crash_not_after_a_clean_close(tmp_path, root):
    path = tmp_path / "p.capkit"
    cio.save(make_project(1), path)
    old = os.stat(path).st_mtime - 10
    os.utime(path, (old, old))

    session = backups.Session.start()
    backups.write_backup(make_project(2), session, path, generation=1)
    newest = backups.write_backup(make_project(3), session, path, generation=2)
    # the editor is still running: nothing to recover
    assert backups.recoverable().backups == []
    crash(session)
    offers = backups.recoverable()
    assert [b.path for b in offers.backups] == [newest.path]
    assert offers.backups[0].original == path.resolve()
    assert offers.backups[0].items == 4

    # a clean close: nothing to offer
    clean = backups.Session.start()
    backups.write_backup(make_project(5), clean, tmp_path / "q.capkit", generation=1)
    clean.clean_close()
    assert [b.path for b in backups.recoverable().backups] == [newest.path]

    # once the user has answered, the crashed session is forgotten but its backups stay
    assert backups.dismiss_crashed() == [session.id]
    assert backups.recoverable().backups == []
    assert len(backups.list_backups(newest.key).backups) == 2


def test_nothing_offered_when_the_project_was_saved_after_the_backup(tmp_path, root):
    path = tmp_path / "p.capkit"
    session = backups.Session.start()
    backups.write_backup(make_project(2), session, path, generation=1)
    time.sleep(0.01)
    cio.save(make_project(2), path)
    crash(session)
    assert backups.recoverable().backups == []


def test_untitled_backups_are_offered_and_need_a_place_to_restore_to(tmp_path, root):
    session = backups.Session.start()
    made = backups.write_backup(make_project(4, name="Draft"), session, None, generation=3)
    crash(session)
    [offer] = backups.recoverable().backups
    assert offer.path == made.path and offer.original is None and offer.name == "Draft"
    with pytest.raises(ProjectFileError, match="choose where"):
        backups.restore(offer)
    out = backups.restore(offer, to=tmp_path / "draft.capkit")
    assert cio.dumps(cio.load(out), out) == cio.dumps(make_project(4, name="Draft"), out)


def test_restore_round_trip_equals_the_project(tmp_path, root):
    media = tmp_path / "media"
    media.mkdir()
    (media / "music.wav").write_bytes(b"m" * 100)
    from capkit.model import AudioClip, MediaRef

    path = tmp_path / "work" / "p.capkit"
    path.parent.mkdir()
    project = make_project(5)
    project.tracks.append(Track(kind="audio", id="a", items=[
        AudioClip(id="m", start=0, duration=2, source=MediaRef(str(media / "music.wav"), duration=Fraction(9)))]))
    cio.save(make_project(1), path)  # an older version on disk
    session = backups.Session.start()
    made = backups.write_backup(project, session, path, generation=1)
    crash(session)
    [offer] = backups.recoverable().backups
    assert offer.path == made.path
    assert cio.dumps(offer.load(), path) == cio.dumps(project, path)

    now = backups.Session.start()
    assert backups.restore(offer, session=now) == path
    restored = cio.load(path)
    assert cio.dumps(restored, path) == cio.dumps(project, path)
    assert restored.tracks[2].items[0].source.path == str(media / "music.wav")
    # the file the restore replaced was kept as a backup of its own
    previous = backups.list_backups(offer.key).backups[0]
    assert previous.session == now.id and previous.items == 2
    assert cio.dumps(previous.load(), path) == cio.dumps(make_project(1), path)

    # restoring elsewhere makes media paths relative to the new place
    elsewhere = backups.restore(offer, to=tmp_path / "copy.capkit")
    assert cio.dumps(cio.load(elsewhere), elsewhere) == cio.dumps(project, elsewhere)


def test_a_broken_backup_is_skipped_with_a_reason(tmp_path, root):
    path = tmp_path / "p.capkit"
    session = backups.Session.start()
    good = backups.write_backup(make_project(2), session, path, generation=1)
    bad = backups.write_backup(make_project(3), session, path, generation=2)
    text = bad.path.read_text()
    bad.path.write_text(text[: len(text) // 2])  # cut short, as a disk fault might
    stray = root / good.key / "not-a-backup.capkit"
    stray.write_text("{}")
    (root / good.key / "20260101T000000.000000Z-000009.capkit").write_bytes(b"\xff\xfe garbage")
    crash(session)
    offers = backups.recoverable()
    assert [b.path for b in offers.backups] == [good.path]  # the next newest is offered instead
    reasons = {s.path.name: s.reason for s in offers.skipped}
    assert "cut short" in reasons[bad.path.name]
    assert "not <UTC time>" in reasons["not-a-backup.capkit"]
    assert "not UTF-8" in reasons["20260101T000000.000000Z-000009.capkit"]

    listing = backups.list_backups(good.key, check=True)
    assert [b.path for b in listing.backups] == [good.path]
    assert len(listing.skipped) == 3


def test_listing_survives_broken_locks_metas_and_missing_folders(tmp_path, root):
    assert backups.recoverable() == backups.Listing([], [])
    assert backups.list_backups("nothing-here").backups == []
    session = backups.Session.start()
    made = backups.write_backup(make_project(2), session, tmp_path / "p.capkit", generation=1)
    made.path.with_suffix(".json").write_text("{ broken")
    (root / "sessions" / "junk.lock").write_text("not json")
    locks = {lock.id: lock for lock in backups.sessions()}
    assert locks["junk"].problem and not locks["junk"].alive
    assert locks[session.id].alive
    [listed] = backups.list_backups(made.key).backups
    assert listed.session is None and listed.name == "Trip" and listed.items == 3


def test_pid_alive_sees_reused_pids():
    me = os.getpid()
    assert backups.pid_alive(me)
    assert not backups.pid_alive(dead_pid())
    assert not backups.pid_alive(0)
    start = backups._proc_start(me)
    if start is None:
        pytest.skip("no /proc here")
    assert backups.pid_alive(me, start)
    assert not backups.pid_alive(me, start + 1)


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_autosaver_debounces_and_saves_only_changes(tmp_path, root):
    clock = FakeClock()
    session = backups.Session.start()
    path = tmp_path / "p.capkit"
    saver = backups.Autosaver(session, path, interval=30, clock=clock)
    project = make_project(1)
    assert saver.tick(project, 0) is None  # nothing changed yet
    first = saver.edited(project, 1)
    assert first is not None and first.generation == 1
    clock.now += 5
    assert saver.edited(project, 2) is None  # too soon
    assert saver.tick(project, 2) is None
    clock.now += 26
    second = saver.tick(project, 2)
    assert second is not None and second.generation == 2
    clock.now += 60
    assert saver.tick(project, 2) is None  # no change since the last backup
    saver.saved(3)
    assert saver.tick(project, 3) is None  # the user saved that generation
    assert saver.tick(project, 4).generation == 4
    assert len(backups.list_backups(saver.key).backups) == 3

    saver.set_path(tmp_path / "renamed.capkit")
    clock.now += 60
    assert saver.edited(project, 5).key == backups.project_key(tmp_path / "renamed.capkit")


def test_autosaver_reports_a_failed_write_and_retries(tmp_path, root):
    clock = FakeClock()
    session = backups.Session.start()
    saver = backups.Autosaver(session, tmp_path / "p.capkit", interval=0, clock=clock)
    blocker = root / saver.key
    blocker.write_text("a file where the folder should be")
    assert saver.edited(make_project(), 1) is None
    assert saver.error and "autosave failed" in saver.error
    blocker.unlink()
    assert saver.tick(make_project(), 1) is not None
    assert saver.error is None


def test_clean_stale_temps_removes_leftovers_of_killed_saves(tmp_path):
    path = tmp_path / "p.capkit"
    cio.save(make_project(), path)
    stale = tmp_path / ".p.capkit.abc123.tmp"
    stale.write_text('{"format": "capk')
    old = time.time() - 3600
    os.utime(stale, (old, old))
    fresh = tmp_path / ".p.capkit.def456.tmp"
    fresh.write_text("a save in progress elsewhere")
    other = tmp_path / ".q.capkit.abc123.tmp"
    other.write_text("someone else's")
    os.utime(other, (old, old))
    assert backups.clean_stale_temps(path) == [stale]
    assert fresh.exists() and other.exists() and path.exists()
