"""Killing capkit mid-save never costs the last good file, and autosave backups survive a crash.

Each test runs a child Python process (this file run as a script) that saves over and over, kills
it with SIGKILL, and checks what is on disk. Half the rounds kill at a random moment; the other
half make the child's disk slow (writes and fsync take a while) and kill it while it writes or
waits for fsync: the moments an unsafe save (one that writes over the file in place) is caught
half done.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

N_ITEMS = 1000  # about 1.4 MB of project file, so a save takes a while

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")


def version(v: int, n: int = N_ITEMS):
    """Complete version ``v`` of a big project: every item differs between versions."""
    from capkit.model import ColorClip, Project, TextItem, Track

    return Project(name=f"v{v}", tracks=[
        Track(kind="video", id="v", items=[
            ColorClip(id=f"c{i}", start=i, duration=1, color="#%06X" % ((i * 7919 + v * 31) % 0xFFFFFF))
            for i in range(n)]),
        Track(kind="text", id="t", items=[
            TextItem(id=f"t{i}", start=i, duration=1, text=f"version {v} line {i}") for i in range(n)]),
    ])


def edited(k: int, n: int = N_ITEMS):
    """The project after ``k`` edits of the recovery child (built from scratch, to compare)."""
    project = version(0, n)
    for j in range(1, k + 1):
        apply_edit(project, j)
    return project


def apply_edit(project, j: int) -> None:
    from capkit.model import TextItem

    project.name = f"edit {j}"
    project.tracks[1].items.append(TextItem(id=f"e{j}", start=N_ITEMS + j, duration=1, text=f"edit {j}"))
    project.tracks[0].items[j].color = "#ABCDEF"


def _slow_disk(seconds: float) -> None:
    """A slow disk: writing a file takes ``seconds`` (in eight pieces, announced with "write")
    and so does each fsync of a file (announced with "fsync"); folders are synced at once."""
    import builtins
    import io
    import stat

    real_fsync, real_open = os.fsync, builtins.open

    def fsync(fd):
        if stat.S_ISREG(os.fstat(fd).st_mode):
            print("fsync", flush=True)
            time.sleep(seconds)
        real_fsync(fd)

    class SlowText(io.TextIOWrapper):
        def write(self, text):
            step = max(1, len(text) // 8)
            for i in range(0, len(text), step):
                super().write(text[i : i + step])
                super().flush()
                if i == 0:
                    print("write", flush=True)
                time.sleep(seconds / 8)
            return len(text)

    def slow_open(file, mode="r", *args, **kw):
        if mode == "w":
            return SlowText(real_open(file, "wb"), encoding=kw.get("encoding") or "utf-8")
        return real_open(file, mode, *args, **kw)

    os.fsync = fsync
    builtins.open = slow_open


def child_save(path: str, slow: float) -> None:
    from capkit.io.project_file import save

    if slow:
        _slow_disk(slow)
    v = 1
    while True:
        save(version(v), path, fingerprints=False)
        print(v, flush=True)
        v += 1


def child_autosave(path: str, slow: float) -> None:
    from capkit.io import backups
    from capkit.io.project_file import load

    if slow:
        _slow_disk(slow)
    project = load(path)
    session = backups.Session.start()
    print(f"session {session.id}", flush=True)
    saver = backups.Autosaver(session, path, interval=0)
    k = 0
    while True:
        k += 1
        apply_edit(project, k)
        made = saver.edited(project, k)
        assert made is not None, saver.error
        print(k, flush=True)


def spawn(mode: str, path: Path, slow: float, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, __file__, mode, str(path), str(slow)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
    )


def kill_after(proc: subprocess.Popen, lines_wanted: int, extra: float, *, during: str | None = None) -> int:
    """Let the child finish ``lines_wanted`` saves, wait ``extra`` seconds more (with ``during``:
    until it next says it is in "write" or "fsync", plus ``extra``), SIGKILL it; returns the last
    save it reported finished."""
    lines: list[str] = []
    while sum(line.isdigit() for line in lines) < lines_wanted:
        lines.append(proc.stdout.readline().strip())
        assert lines[-1], f"the child stopped early (exit {proc.poll()})"
    if during:
        while (line := proc.stdout.readline().strip()) != during:
            assert line, f"the child stopped early (exit {proc.poll()})"
            lines.append(line)
    time.sleep(extra)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    lines += [line.strip() for line in proc.stdout.read().splitlines()]
    proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return int([line for line in lines if line.isdigit()][-1])


def temps_beside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f".{path.name}.*.tmp"))


def test_a_killed_save_leaves_the_last_complete_file(tmp_path):
    from capkit.io import backups
    from capkit.io.project_file import dumps, load, save

    rng = random.Random(5)
    path = tmp_path / "big.capkit"
    save(version(0), path, fingerprints=False)
    seen_temps = 0
    for round_ in range(8):
        slow = 0.5 if round_ % 2 else 0.0
        proc = spawn("save", path, slow)
        if slow:
            during = "write" if round_ % 4 == 1 else "fsync"
            last_done = kill_after(proc, 1, rng.uniform(0.0, 0.2), during=during)
        else:
            last_done = kill_after(proc, 1, rng.uniform(0.0, 1.0))
        on_disk = load(path)  # never partial: it always loads
        v = int(on_disk.name[1:])
        assert v in (last_done, last_done + 1), f"round {round_}: v{v} on disk after v{last_done} was saved"
        assert dumps(on_disk, path) == dumps(version(v), path)
        # a kill between creating the temporary file and the rename leaves it behind; the
        # project is untouched by it and the next open removes it
        temps = temps_beside(path)
        seen_temps += len(temps)
        before = path.read_bytes()
        removed = backups.clean_stale_temps(path, before=time.time())
        assert sorted(removed) == temps
        assert temps_beside(path) == []
        assert path.read_bytes() == before
    assert 4 <= seen_temps <= 8  # every kill in a slow write or fsync left one


def test_a_killed_editor_offers_its_latest_autosave(tmp_path, monkeypatch):
    from capkit.io import backups
    from capkit.io.project_file import dumps, load, save

    data = tmp_path / "data"
    monkeypatch.setenv("CAPKIT_DATA_DIR", str(data))
    rng = random.Random(11)
    path = tmp_path / "work.capkit"
    save(version(0), path, fingerprints=False)
    old = time.time() - 60
    os.utime(path, (old, old))
    original = path.read_bytes()

    for round_ in range(3):
        slow = 0.2 if round_ % 2 else 0.0
        proc = spawn("autosave", path, slow, {"CAPKIT_DATA_DIR": str(data)})
        while not (line := proc.stdout.readline()).startswith("session "):
            assert line, f"the child stopped early (exit {proc.poll()})"
        session_id = line.split()[1]
        last_done = kill_after(proc, 2, rng.uniform(0.0, 0.15 if slow else 1.0), during="fsync" if slow else None)

        offers = backups.recoverable()
        assert offers.skipped == []
        [offer] = offers.backups
        assert offer.session == session_id
        assert offer.original == path.resolve()
        assert offer.generation in (last_done, last_done + 1)
        restored = backups.restore(offer)
        assert dumps(load(restored), path) == dumps(edited(offer.generation), path)

        # the user answered; the next round starts from a file saved before the edits again
        assert backups.dismiss_crashed() == [session_id]
        assert backups.recoverable().backups == []
        path.write_bytes(original)
        os.utime(path, (old, old))

    assert path.read_bytes() == original
    # stale temporary files in the backup folder do not disturb listing
    listing = backups.list_backups(backups.project_key(path), check=True)
    assert listing.skipped == []
    assert len(listing.backups) >= 3


if __name__ == "__main__":
    mode, target, slow_s = sys.argv[1:4]
    {"save": child_save, "autosave": child_autosave}[mode](target, float(slow_s))
