"""What the page may read and what it hands out: folders inside the working directory only, the
results folders found there, and a results folder as a zip file in memory."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

MAX_DEPTH = 4
"""How deep below the working directory the page looks for results folders."""


MAX_NAME = 1000
"""The longest folder name the form takes (the system's own limit is near 4,096 bytes)."""


def inside(root: Path, text: str) -> Path:
    """The folder ``text`` names (relative to ``root`` unless absolute), or ValueError with the
    one line the page shows: it must exist, be a results or sweep folder, and lie inside ``root``
    with every file in it (a link out of ``root``, to a folder or to a file, is refused)."""
    name = text.strip()
    if not name:
        raise ValueError("name a results or sweep folder")
    if len(name) > MAX_NAME or "\0" in name:
        raise ValueError(f"{name[:60]}...: expected a folder name of at most {MAX_NAME} characters, without NUL")
    path = Path(name)
    try:
        folder = (path if path.is_absolute() else root / path).resolve(strict=False)
        if not folder.is_relative_to(root):
            raise ValueError(f"{name}: outside the working directory {root}; the page opens only folders inside it")
        if not folder.is_dir():
            raise ValueError(f"{name}: no such folder under {root}")
        if not (folder / "manifest.json").is_file():
            raise ValueError(f"{name}: not a results or sweep folder (it has no manifest.json)")
        for f in folder.rglob("*"):
            if not f.resolve().is_relative_to(root):
                raise ValueError(
                    f"{name}: {f.relative_to(folder)} links outside the working directory {root}; "
                    "the page reads nothing outside it"
                )
    except (OSError, RuntimeError) as exc:  # a link loop, a name too long, a folder unreadable
        raise ValueError(
            f"{name}: cannot be opened ({(exc.strerror if isinstance(exc, OSError) else None) or exc})"
        ) from None
    return folder


def results_folders(root: Path) -> list[str]:
    """Results and sweep folders (a ``manifest.json`` of either kind) under ``root``, relative to it,
    not looking inside one another, hidden folders (unfinished runs), links (which may lead out of
    ``root``) or more than :data:`MAX_DEPTH` levels down."""
    found: list[str] = []

    def walk(folder: Path, depth: int) -> None:
        if (folder / "manifest.json").is_file():
            if _kind(folder) in ("ensemble", "sweep"):
                found.append(folder.relative_to(root).as_posix())
            return
        if depth >= MAX_DEPTH:
            return
        try:
            children = sorted(
                p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
            )
        except OSError:
            return
        for child in children:
            if child.name not in ("node_modules", "__pycache__", "src", "tests"):
                walk(child, depth + 1)

    walk(root, 0)
    return found


def _kind(folder: Path) -> str | None:
    """The kind a folder's manifest names (ensemble, sweep; a calibration's is neither), or None."""
    try:
        kind = json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("kind")
    except (OSError, ValueError, AttributeError):
        return None
    return kind if isinstance(kind, str) else None


def zipped(folder: Path) -> bytes:
    """Every file under ``folder`` in a zip archive (paths relative to the folder's parent, so it
    unpacks as the folder itself)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted(folder.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(folder.parent).as_posix())
    return buffer.getvalue()
