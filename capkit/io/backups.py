"""Autosave backups and crash recovery: nothing the user did is lost when capkit or the machine dies.

What is where (``<data>`` is ``$CAPKIT_DATA_DIR`` or the platform's user data folder for capkit,
the same folder filter packs live in)::

    <data>/backups/
        sessions/<session id>.lock        one per running editor: pid, process start, host, time
        <key>/                            one folder per project
            20261128T182814.123456Z-000003.capkit   a full project file (capkit can open it as is)
            20261128T182814.123456Z-000003.json     its meta: session, original path, time, name, items

``<key>`` names the project: ``<file stem>-<hash of its absolute path>`` for a saved project, and
``untitled-<session id>`` for one never saved. Each backup is written like the project file itself
(temporary file beside it, fsync, rename, see :mod:`capkit.io.atomic`), so a backup is complete or
absent, never half there; the meta is written *before* its backup, so every complete backup has one.
Only the newest ``keep`` (20) backups of a project are kept; older ones are pruned after each write,
except the newest backup of a session that crashed and has not been dealt with yet.

Why a session lock: a backup alone cannot tell "the editor is still running" from "the editor died".
Each editor writes ``sessions/<id>.lock`` when it starts and removes it in :meth:`Session.clean_close`.
At the next start, :func:`recoverable` looks for locks whose process is gone (checked by pid, and by
the process's start time where the system tells it, so a reused pid does not fool it): those
sessions ended without a clean close, and their newest backup of each project is offered when it is
newer than the project file on disk (nothing to offer if the user saved after the last backup).
Backups that cannot be read are listed as skipped with the reason; listing never raises for them.

The GUI drives an :class:`Autosaver` (no Qt here): it calls :meth:`Autosaver.edited` after each edit
and :meth:`Autosaver.tick` from a timer, passing a *generation* counter it bumps on every change. The
autosaver writes at most one backup per ``interval`` seconds and only when the generation moved on
since the last backup or save, so an idle editor writes nothing.

Saving the project file itself is :func:`capkit.io.project_file.save`. If a save is killed midway
the old file stays intact but its temporary sibling (``.<name>.<random>.tmp``) is left behind;
:func:`clean_stale_temps` removes such leftovers when the project is next opened.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import itertools
import json
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

from capkit import __version__
from capkit.errors import CapkitError, ProjectFileError
from capkit.io import atomic
from capkit.userdirs import DATA_ENV, data_dir
from capkit.io.project_file import SUFFIX, dumps, loads
from capkit.io.project_file import save as save_project
from capkit.model.project import Project

KEEP = 20  # backups kept per project
INTERVAL = 30.0  # seconds between autosaves at most
_LOCK_FORMAT = "capkit.session"
_META_FORMAT = "capkit.backup"
_STAMP = "%Y%m%dT%H%M%S.%fZ"
_NAME = re.compile(r"^(\d{8}T\d{6}\.\d{6}Z)-(\d{6,})$")
_TEMP_GRACE = 60.0  # a temporary file younger than this may belong to a save in progress
_PROCESS_STARTED = time.time()  # for clean_stale_temps: temps older than this process are leftovers


def backups_dir(root: str | os.PathLike | None = None) -> Path:
    """The backups folder: ``root`` if given, else ``<data>/backups``."""
    return Path(root) if root is not None else data_dir() / "backups"


def project_key(path: str | os.PathLike | None, session_id: str | None = None) -> str:
    """The backup folder name for a project file (or for an untitled project of a session)."""
    if path is None:
        if not session_id:
            raise ValueError("an untitled project's key needs the session id")
        return f"untitled-{session_id}"
    absolute = Path(path).expanduser().resolve()
    digest = hashlib.sha256(str(absolute).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", absolute.stem)[:40].strip("._") or "project"
    return f"{stem}-{digest}"


# -- processes ------------------------------------------------------------------------------------

def _proc_start(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), or None where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()  # the command name may hold spaces and brackets
    try:
        return int(fields[19])  # field 22 of stat; fields[0] is field 3 (state)
    except (IndexError, ValueError):
        return None


def _zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].startswith("Z")


def pid_alive(pid: int, proc_start: int | None = None) -> bool:
    """Whether process ``pid`` runs; with ``proc_start``, whether it is still *that* process."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    if os.name == "nt":  # pragma: no cover - exercised on Windows only
        import ctypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x1000 | 0x00100000, False, pid)  # QUERY_LIMITED | SYNCHRONIZE
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # it exists but belongs to someone else
    if _zombie(pid):
        return False
    if proc_start is not None:
        now = _proc_start(pid)
        if now is not None and now != proc_start:
            return False  # the pid was reused by another process
    return True


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _write_atomic(target: Path, text: str) -> None:
    atomic.write_text(target, text)


# -- sessions -------------------------------------------------------------------------------------

@dataclass
class Session:
    """One running editor. :meth:`start` writes its lock; :meth:`clean_close` removes it."""

    id: str
    root: Path
    pid: int
    started: datetime
    _counter: Iterator[int] = field(default_factory=lambda: itertools.count(1), init=False, repr=False,
                                    compare=False)

    @classmethod
    def start(cls, root: str | os.PathLike | None = None) -> Session:
        """Begin a session: write ``sessions/<id>.lock`` under the backups folder."""
        base = backups_dir(root)
        started = _utcnow()
        pid = os.getpid()
        session = cls(f"{started:%Y%m%dT%H%M%SZ}-{pid}-{secrets.token_hex(3)}", base, pid, started)
        lock = {
            "format": _LOCK_FORMAT,
            "pid": pid,
            "proc_start": _proc_start(pid),
            "host": socket.gethostname(),
            "started": started.isoformat(),
            "written_by": f"capkit {__version__}",
        }
        try:
            session.lock_path.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(session.lock_path, json.dumps(lock, indent=1) + "\n")
        except OSError as err:
            raise CapkitError(
                f"cannot write the session lock in {session.lock_path.parent}: {err.strerror or err}; "
                f"autosave needs a writable folder (set {DATA_ENV} to choose another)"
            ) from None
        return session

    @property
    def lock_path(self) -> Path:
        return self.root / "sessions" / f"{self.id}.lock"

    def next_counter(self) -> int:
        return next(self._counter)

    def clean_close(self) -> None:
        """The editor is closing normally: its backups are history now, not something to recover."""
        with contextlib.suppress(FileNotFoundError):
            self.lock_path.unlink()


@dataclass(frozen=True)
class SessionLock:
    """A session lock found on disk and whether its editor still runs."""

    id: str
    path: Path
    pid: int | None
    started: datetime | None
    alive: bool
    problem: str | None = None  # why the lock could not be read (then it counts as crashed)


def sessions(root: str | os.PathLike | None = None) -> list[SessionLock]:
    """Every session lock under the backups folder: running editors and ones that crashed."""
    folder = backups_dir(root) / "sessions"
    found = []
    try:
        paths = sorted(folder.glob("*.lock"))
    except OSError:
        return []
    host = socket.gethostname()
    for path in paths:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("format") != _LOCK_FORMAT:
                raise ValueError("not a capkit session lock")
            pid = doc.get("pid")
            started = datetime.fromisoformat(doc["started"]) if doc.get("started") else None
        except FileNotFoundError:
            continue  # closed while we looked
        except (OSError, ValueError, KeyError, TypeError) as err:
            found.append(SessionLock(path.stem, path, None, None, False, f"{path.name}: unreadable ({err})"))
            continue
        if doc.get("host") not in (None, host):
            alive = True  # another machine's editor (shared data folder): we cannot tell, leave it be
        else:
            alive = pid_alive(pid, doc.get("proc_start"))
        found.append(SessionLock(path.stem, path, pid if isinstance(pid, int) else None, started, alive))
    return found


def dismiss_crashed(root: str | os.PathLike | None = None) -> list[str]:
    """Forget crashed sessions (after the user restored or declined): their locks go, backups stay.

    Returns the ids of the sessions dismissed. Running editors' locks are left alone.
    """
    gone = []
    for lock in sessions(root):
        if not lock.alive:
            with contextlib.suppress(FileNotFoundError):
                lock.path.unlink()
            gone.append(lock.id)
    return gone


# -- backups --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Backup:
    """One backup file and what its meta says about it."""

    path: Path  # the backup, a complete .capkit file
    key: str
    time: datetime  # UTC, when it was written
    counter: int
    session: str | None  # None when its meta is missing
    original: Path | None  # the project file it backs up; None for an untitled project
    name: str  # the project's name
    items: int  # how many items it holds (-1 when unknown)
    generation: int | None

    def load(self) -> Project:
        """The backed-up project, media paths resolved as if it were at its original place."""
        from capkit.io.text_files import read_text

        text = read_text(self.path, "backup", ProjectFileError)
        return loads(text, self.original or self.path, name=f"backup {self.path.name}")

    @property
    def sort_key(self) -> tuple[datetime, int]:
        return (self.time, self.counter)


@dataclass(frozen=True)
class Skipped:
    path: Path
    reason: str


class Listing(NamedTuple):
    backups: list[Backup]  # newest first
    skipped: list[Skipped]  # backups that could not be read, with the reason


def _meta_path(backup: Path) -> Path:
    return backup.with_suffix(".json")


def _read_backup(path: Path, key: str, *, check: bool) -> Backup:
    """Describe one backup from its name and meta; with ``check``, load it fully. Raises ValueError."""
    match = _NAME.match(path.stem)
    if not match:
        raise ValueError("its name is not <UTC time>-<counter>.capkit")
    stamp = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
    counter = int(match.group(2))
    meta: dict = {}
    with contextlib.suppress(OSError, ValueError):
        loaded = json.loads(_meta_path(path).read_text(encoding="utf-8"))
        if isinstance(loaded, dict) and loaded.get("format") == _META_FORMAT:
            meta = loaded
    original = Path(meta["original"]) if isinstance(meta.get("original"), str) else None
    backup = Backup(
        path=path,
        key=key,
        time=stamp,
        counter=counter,
        session=meta.get("session") if isinstance(meta.get("session"), str) else None,
        original=original,
        name=str(meta.get("name", "")),
        items=meta.get("items") if isinstance(meta.get("items"), int) else -1,
        generation=meta.get("generation") if isinstance(meta.get("generation"), int) else None,
    )
    if check or not meta:
        try:
            project = backup.load()
        except ProjectFileError as err:
            raise ValueError(str(err)) from None
        if not meta:
            backup = Backup(path, key, stamp, counter, None, None, project.name,
                            sum(1 for _ in project.items()), None)
    return backup


def list_backups(key: str, root: str | os.PathLike | None = None, *, check: bool = False) -> Listing:
    """The backups of one project, newest first. ``check`` loads each one to prove it is whole."""
    folder = backups_dir(root) / key
    good: list[Backup] = []
    skipped: list[Skipped] = []
    try:
        paths = [p for p in folder.iterdir() if p.suffix == SUFFIX and not p.name.startswith(".")]
    except OSError:
        return Listing([], [])
    for path in paths:
        try:
            good.append(_read_backup(path, key, check=check))
        except (OSError, ValueError) as err:
            skipped.append(Skipped(path, f"backup {path.name} cannot be used: {err}"))
    good.sort(key=lambda b: b.sort_key, reverse=True)
    return Listing(good, sorted(skipped, key=lambda s: s.path.name))


def project_keys(root: str | os.PathLike | None = None) -> list[str]:
    base = backups_dir(root)
    try:
        return sorted(p.name for p in base.iterdir() if p.is_dir() and p.name != "sessions")
    except OSError:
        return []


def write_backup(
    project: Project,
    session: Session,
    path: str | os.PathLike | None,
    *,
    generation: int | None = None,
    keep: int = KEEP,
    text: str | None = None,
) -> Backup:
    """Write a backup of ``project`` (whose file is ``path``, None if untitled) and prune old ones.

    ``text`` is the project file text if the caller already has it (``dumps(project, path)``).
    Raises ``OSError`` if the backup cannot be written; the previous backups are untouched then.
    """
    original = Path(path).expanduser().resolve() if path is not None else None
    key = project_key(original, session.id)
    folder = session.root / key
    folder.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = dumps(project, original)
    now = _utcnow()
    counter = session.next_counter()
    target = folder / f"{now.strftime(_STAMP)}-{counter:06d}{SUFFIX}"
    items = sum(1 for _ in project.items())
    meta = {
        "format": _META_FORMAT,
        "session": session.id,
        "original": str(original) if original is not None else None,
        "time": now.isoformat(),
        "name": project.name,
        "items": items,
        "generation": generation,
        "written_by": f"capkit {__version__}",
    }
    _write_atomic(_meta_path(target), json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    _write_atomic(target, text)
    prune(key, keep, root=session.root)
    return Backup(target, key, now, counter, session.id, original, project.name, items, generation)


def prune(key: str, keep: int = KEEP, *, root: str | os.PathLike | None = None) -> list[Path]:
    """Delete all but the newest ``keep`` backups of a project; returns what was deleted.

    The newest backup of each crashed session not yet dismissed is kept beyond ``keep``, and
    leftovers of killed writes (orphan metas, stale temporary files) are removed.
    """
    base = backups_dir(root)
    folder = base / key
    listing = list_backups(key, base)
    protected: set[Path] = set()
    crashed = {lock.id for lock in sessions(base) if not lock.alive}
    newest_seen: set[str] = set()
    for backup in listing.backups:
        if backup.session in crashed and backup.session not in newest_seen:
            protected.add(backup.path)
            newest_seen.add(backup.session)
    removed = []
    for backup in listing.backups[max(keep, 1) :]:
        if backup.path in protected:
            continue
        for p in (backup.path, _meta_path(backup.path)):
            with contextlib.suppress(FileNotFoundError):
                p.unlink()
        removed.append(backup.path)
    now = time.time()
    with contextlib.suppress(OSError):
        for p in folder.iterdir():
            try:
                leftover = (p.name.startswith(".") and p.name.endswith(".tmp")) or (
                    p.suffix == ".json" and not p.with_suffix(SUFFIX).exists()  # meta of a backup never written
                )
                if leftover and p.stat().st_mtime < now - _TEMP_GRACE:
                    p.unlink()
            except FileNotFoundError:
                pass
    return removed


def recoverable(root: str | os.PathLike | None = None) -> Listing:
    """What to offer after a crash: per project, the newest readable backup of a crashed session.

    A backup is offered when its session's lock is still there but its editor is gone, and it is
    newer than the project file on disk (or that file is missing, or the project was untitled).
    Broken backups are passed over (the next newest is offered instead) and reported in ``skipped``.
    Newest first.
    """
    base = backups_dir(root)
    crashed = {lock.id for lock in sessions(base) if not lock.alive}
    offers: list[Backup] = []
    skipped: list[Skipped] = []
    if not crashed:
        return Listing([], [])
    for key in project_keys(base):
        listing = list_backups(key, base)
        skipped.extend(listing.skipped)
        for backup in listing.backups:
            if backup.session not in crashed:
                continue
            if backup.original is not None:
                try:
                    if backup.original.stat().st_mtime >= backup.time.timestamp():
                        break  # saved after this backup: nothing newer to offer for this project
                except OSError:
                    pass  # the project file is gone: the backup is all there is
            try:
                _read_backup(backup.path, key, check=True)
            except (OSError, ValueError) as err:
                skipped.append(Skipped(backup.path, f"backup {backup.path.name} cannot be used: {err}"))
                continue
            offers.append(backup)
            break
    offers.sort(key=lambda b: b.sort_key, reverse=True)
    return Listing(offers, skipped)


def restore(
    backup: Backup,
    to: str | os.PathLike | None = None,
    *,
    session: Session | None = None,
) -> Path:
    """Write ``backup`` back as a project file (atomically) at ``to``, by default where it came from.

    If a file is there already it is first kept as a backup itself (needs ``session``), so a
    restore can be undone. Raises :class:`ProjectFileError` if the backup cannot be read.
    """
    target = Path(to) if to is not None else backup.original
    if target is None:
        raise ProjectFileError(
            f"backup {backup.path.name} is of an untitled project: choose where to save it"
        )
    project = backup.load()
    if session is not None and target.is_file():
        with contextlib.suppress(OSError):
            current = target.read_text(encoding="utf-8")
            name, items = "", -1
            with contextlib.suppress(ProjectFileError):
                old = loads(current, target, name=str(target))
                name, items = old.name, sum(1 for _ in old.items())
            _write_raw_backup(current, session, target, name, items)
    save_project(project, target, fingerprints=False)
    return target


def _write_raw_backup(text: str, session: Session, path: Path, name: str, items: int) -> None:
    original = path.expanduser().resolve()
    key = project_key(original, session.id)
    folder = session.root / key
    folder.mkdir(parents=True, exist_ok=True)
    now = _utcnow()
    target = folder / f"{now.strftime(_STAMP)}-{session.next_counter():06d}{SUFFIX}"
    meta = {"format": _META_FORMAT, "session": session.id, "original": str(original),
            "time": now.isoformat(), "name": name, "items": items, "generation": None,
            "note": "the project file as it was before a restore", "written_by": f"capkit {__version__}"}
    _write_atomic(_meta_path(target), json.dumps(meta, indent=1, ensure_ascii=False) + "\n")
    _write_atomic(target, text)


def clean_stale_temps(project_path: str | os.PathLike, *, before: float | None = None) -> list[Path]:
    """Remove temporary files a killed save left beside ``project_path``; returns what was removed.

    Only ``.<name>.*.tmp`` siblings (what :func:`capkit.io.atomic.temp_beside` makes) older than
    ``before`` (a ``time.time()``, default: when this process started) and at least a minute old
    are removed, so a save running in another editor right now is never disturbed. Call it when
    opening a project (after a crash the leftovers are older than the new process).
    """
    target = Path(project_path)
    cutoff = min(_PROCESS_STARTED, time.time() - _TEMP_GRACE) if before is None else before
    removed = []
    try:
        candidates = list(target.resolve().parent.glob(f".{glob.escape(target.name)}.*.tmp"))
    except OSError:
        return []
    for p in candidates:
        try:
            if p.is_file() and p.stat().st_mtime < cutoff:
                p.unlink()
                removed.append(p)
        except FileNotFoundError:
            pass
    return removed


# -- the autosaver --------------------------------------------------------------------------------

class Autosaver:
    """Backups on a timer and on edits, at most one per ``interval`` seconds and only after changes.

    The GUI owns the project and a *generation* counter it bumps on every change (edit, undo,
    redo); it calls :meth:`edited` after changes and :meth:`tick` from a timer (say every 5 s).
    After saving the project file it calls :meth:`saved`, after "Save as" :meth:`set_path`.
    Neither call raises for a failed write: :attr:`error` holds the message for the status bar
    and the next due call tries again. Calls may come from any thread (one backup at a time);
    a backup serialises the project as it is during the call, so from a worker thread pass a
    copy (``copy.deepcopy(project)``, taken on the GUI thread).
    """

    def __init__(
        self,
        session: Session,
        path: str | os.PathLike | None = None,
        *,
        interval: float = INTERVAL,
        keep: int = KEEP,
        generation: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.path = Path(path) if path is not None else None
        self.interval = interval
        self.keep = keep
        self.clock = clock
        self.error: str | None = None
        self.last_backup: Backup | None = None
        self._clean_generation = generation  # the generation last backed up or saved
        self._last_time: float | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> str:
        return project_key(self.path, self.session.id)

    def set_path(self, path: str | os.PathLike | None) -> None:
        """The project was saved under a new name (or closed to untitled)."""
        self.path = Path(path) if path is not None else None

    def saved(self, generation: int) -> None:
        """The project file now holds ``generation``: no backup is needed until the next change."""
        self._clean_generation = generation

    def pending(self, generation: int) -> bool:
        """Whether ``generation`` has changes no backup or save holds yet."""
        return generation != self._clean_generation

    def due(self, generation: int) -> bool:
        if not self.pending(generation):
            return False
        return self._last_time is None or self.clock() - self._last_time >= self.interval

    def tick(self, project: Project, generation: int) -> Backup | None:
        """Call from a timer: writes a backup if one is due; returns it, or None."""
        return self.backup(project, generation) if self.due(generation) else None

    def edited(self, project: Project, generation: int) -> Backup | None:
        """Call after a change: writes a backup if the last one is older than ``interval``."""
        return self.tick(project, generation)

    def backup(self, project: Project, generation: int) -> Backup | None:
        """Write a backup now (no debounce), unless nothing changed since the last one."""
        with self._lock:
            if not self.pending(generation):
                return None
            self._last_time = self.clock()
            try:
                made = write_backup(project, self.session, self.path, generation=generation, keep=self.keep)
            except OSError as err:
                self.error = f"autosave failed: {err.strerror or err} ({err.filename or self.session.root})"
                return None
            self.error = None
            self.last_backup = made
            self._clean_generation = generation
            return made
