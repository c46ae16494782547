"""Results folders as units: what a folder may take, one writer at a time, a folder replaced whole.

A folder's manifest says which runs it holds: a new run goes into an empty folder, ``--resume``
continues or reuses the same runs and refuses others. Two processes that write one folder leave a
mix that neither would have written, so a writer holds an exclusive lock on the folder it writes
(``flock`` on the folder itself: released whatever way the process ends, nothing left behind).
``recogsim run`` builds a scenario's folder beside its final place and swaps it in when complete,
so a folder is always wholly the old results or wholly the new ones, never new tables beside
stale plots.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..errors import InputError
from .store import ChunkStore, StoreError, read_manifest, remove_chunks, write_json, write_table


# ---------------------------------------------------------------- what a folder holds
def check_folder(
    out: Path,
    meta: dict[str, Any],
    identity: dict[str, str],
    resume: bool,
    flag: str,
    defaults: dict[str, Any] | None = None,
) -> str:
    """Refuse a folder that cannot take these runs; returns its state: "new", "running" or "complete"."""
    if (out / "manifest.json").exists():
        old = read_manifest(out)
        if not resume:
            raise StoreError(
                str(out),
                flag,
                "already holds results; use --resume to continue or reuse them, or choose another folder",
            )
        for key, what in identity.items():
            before = old.get(key, (defaults or {}).get(key))
            if before != meta.get(key):
                raise StoreError(
                    str(out),
                    "--resume",
                    f"the {what} changed since these results were started "
                    f"({key} {str(before)[:12]} there, "
                    f"{str(meta.get(key))[:12]} now); choose another folder",
                )
        _same_files(out, old, meta)
        if old.get("status") == "complete" and (out / "runs.parquet").exists():
            remove_chunks(out / "chunks")  # a kill between marking complete and tidying up
            return "complete"
        return "running"
    if out.exists() and not out.is_dir():
        raise StoreError(str(out), flag, "expected a folder, found a file")
    if out.exists() and any(f.name != "chunks" for f in out.iterdir()):
        raise StoreError(str(out), flag, "folder is not empty and holds no results manifest; choose another folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(str(out), flag, f"cannot create folder ({exc.strerror})") from None
    return "new"


def _same_files(out: Path, old: dict[str, Any], meta: dict[str, Any]) -> None:
    """The files behind ``from:`` blocks must hold what they held: the scenario names a file, and
    its hash in the manifest says what was in it."""
    was = {f.get("entry"): f.get("sha256") for f in old.get("uncertain_files", [])}
    for f in meta.get("uncertain_files", []):
        if was.get(f["entry"]) != f["sha256"]:
            raise StoreError(
                str(out),
                "--resume",
                f"the file {f['file']} that {f['entry']}.from draws from changed since these results were started "
                f"(sha256 {str(was.get(f['entry']))[:12]} there, {f['sha256'][:12]} now); choose another folder",
            )


WRITTEN = ("manifest.json", "points.parquet", "chunks")
"""What a command writes in a results folder while its runs go on (the tables come at the end)."""


def remove_new(out: Path, before: set[str]) -> None:
    """Remove what this command wrote in ``out`` (:data:`WRITTEN`, and temporary files of its
    atomic writes) that was not there before it (``before``): nothing else, whoever put it there."""
    for p in out.iterdir():
        if p.name in before or not (p.name in WRITTEN or (p.name.startswith(".") and p.name.endswith(".tmp"))):
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink()


def start_folder(out: Path, meta: dict[str, Any], points: pa.Table | None) -> None:
    write_json({**meta, "status": "running"}, out / "manifest.json")
    if points is not None:
        write_table(points, out / "points.parquet")


def finish_folder(store: ChunkStore, meta: dict[str, Any]) -> None:
    """Consolidate, mark complete, then drop the chunks: in this order a kill in between loses nothing."""
    for name, table in store.tables().items():
        write_table(table, store.out / f"{name}.parquet")
    write_json({**meta, "status": "complete"}, store.out / "manifest.json")
    store.remove_chunks()


# ---------------------------------------------------------------- one writer, whole folders
class FolderError(InputError):
    """A results folder that is busy, cannot be written, or cannot be swapped into place."""


@contextlib.contextmanager
def locked(folder: Path, flag: str = "--out", remove: bool = False) -> Iterator[Path]:
    """Create ``folder`` if needed and hold an exclusive lock on it until the block ends; another
    process holding it is a one-line error, not a wait (a second sweep into one folder is a mistake).
    ``remove``: the folder is only a lock (empty), removed when released; a process that locked it
    as it was removed finds it gone and tries again on the new one. Folders made here are removed
    again if the block fails before writing in them (nothing is left behind by an error)."""
    made = [p for p in (folder, *folder.parents) if not p.exists()]
    for _ in range(5):
        fd = _open_folder(folder, flag)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise FolderError(
                str(folder),
                flag,
                "another recogsim process is writing this folder; wait for it to finish or choose another folder",
            ) from None
        if _same_inode(folder, fd):
            break
        os.close(fd)  # removed by the process that held it: lock the one there now
    else:
        raise FolderError(str(folder), flag, "another recogsim process keeps replacing this folder")
    try:
        yield folder
    except BaseException:
        for p in made:  # deepest first; a folder something was written in stays
            with contextlib.suppress(OSError):
                p.rmdir()
        raise
    finally:
        if remove:
            with contextlib.suppress(OSError):
                folder.rmdir()
        os.close(fd)  # closing the descriptor releases the lock


def _open_folder(folder: Path, flag: str) -> int:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except (FileExistsError, NotADirectoryError):
        raise FolderError(str(folder), flag, "expected a folder, found a file (or a file on its path)") from None
    except OSError as exc:
        raise FolderError(str(folder), flag, f"cannot create or open the folder ({_reason(exc)})") from None


def _same_inode(folder: Path, fd: int) -> bool:
    try:
        return os.stat(folder).st_ino == os.fstat(fd).st_ino
    except FileNotFoundError:
        return False


def check_writable(folder: Path, flag: str = "--out") -> None:
    """Write and remove a probe file: a folder that cannot take results is found before any run."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".write-probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise FolderError(str(folder), flag, f"cannot write in this folder ({_reason(exc)})") from None


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else exc.__class__.__name__


_RENAME_EXCHANGE = 2
_libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    renameat2 = getattr(_libc, "renameat2", None)
    if renameat2 is None:
        return False
    ok = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0
    return ok


def replace_folder(new: Path, final: Path) -> None:
    """Put the complete folder ``new`` at ``final``, replacing what was there in one step, then
    remove the old contents. Where the system cannot swap in one step, the old folder is moved
    aside first, so a reader finds the old folder, no folder, or the new one, never a mix."""
    if not final.exists():
        os.replace(new, final)
        return
    if _exchange(new, final):
        shutil.rmtree(new)  # now holds the old contents
        return
    aside = final.with_name(f".{final.name}.old-{os.getpid()}")
    os.replace(final, aside)
    os.replace(new, final)
    shutil.rmtree(aside)
