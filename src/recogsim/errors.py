"""One error type for every bad input, so the CLI can print one line and exit 2."""

from __future__ import annotations


class InputError(Exception):
    """A user-facing input problem: names the file, the key path, what was expected and what was found.

    ``str(err)`` is the one line the CLI prints; nothing about the traceback is useful to an analyst.
    """

    def __init__(self, file: str | None, path: str | None, message: str):
        self.file = file
        self.path = path
        self.message = message
        where = ": ".join(p for p in (file, path) if p)
        super().__init__(f"{where}: {message}" if where else message)

    def __reduce__(self):  # rebuilt from its parts, so it crosses from a worker process intact
        return type(self), (self.file, self.path, self.message)


class ScenarioError(InputError):
    """A scenario file that cannot be parsed, resolved or validated."""
