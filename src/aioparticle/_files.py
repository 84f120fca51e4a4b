"""Uploads (multipart parts from bytes, paths or file objects) and streamed downloads."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from ._callbacks import call_maybe_async, checked_callback
from ._exceptions import InvalidArgumentError
from ._paths import check_text
from .types import FileInput, ProgressCallback, SourceFiles, StrPath

__all__ = [
    "MAX_SOURCE_FILES",
    "DownloadSink",
    "UploadPart",
    "checked_progress",
    "file_part",
    "open_parts",
    "source_parts",
]

#: One multipart file part: (part name, file name, contents).
UploadPart = tuple[str, str, FileInput]

#: Most source files accepted in one compile or flash request.
MAX_SOURCE_FILES = 500
#: Longest file name (or relative source path) sent as a part's file name.
MAX_FILENAME_LENGTH = 255


def checked_progress(progress: object, what: str = "progress") -> ProgressCallback | None:
    """A transfer's `progress(done, total)` callback, checked before any I/O (`None` stays)."""
    if progress is None:
        return None
    return checked_callback(
        progress, what, args=2, takes="the bytes transferred so far and the total (or None)"
    )


def _check_input(value: object, what: str) -> FileInput:
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, str):
        raise InvalidArgumentError(
            f"{what} is a str: pass bytes for contents, or pathlib.Path(...) for a file"
        )
    if isinstance(value, os.PathLike):
        return value
    read = getattr(value, "read", None)
    if callable(read):
        if isinstance(value, io.TextIOBase):
            raise InvalidArgumentError(f"{what} must be opened in binary mode ('rb')")
        return value  # type: ignore[return-value]
    raise InvalidArgumentError(
        f"{what} must be bytes, a path or a binary file object, got {type(value).__name__}"
    )


def _filename(name: object, what: str) -> str:
    text = check_text(name, what, max_length=MAX_FILENAME_LENGTH)
    parts = text.replace("\\", "/").split("/")
    absolute = text.startswith(("/", "\\")) or (len(text) > 1 and text[1] == ":")
    if absolute or any(p in ("", ".", "..") for p in parts):
        raise InvalidArgumentError(
            f"{what} must be a relative file name without '.' or '..' parts, got {text!r}"
        )
    return text


def _default_name(value: FileInput, fallback: str) -> str:
    if isinstance(value, os.PathLike):
        return os.path.basename(os.fspath(value)) or fallback
    name = getattr(value, "name", None)
    if isinstance(name, str) and name and not name.startswith("<"):
        return os.path.basename(name) or fallback
    return fallback


def file_part(part: str, value: object, *, default_filename: str, what: str) -> UploadPart:
    """One file part: a path's base name (or a file object's) is the file name, else the default."""
    checked = _check_input(value, what)
    return (part, _filename(_default_name(checked, default_filename), f"{what} file name"), checked)


def source_parts(files: SourceFiles, *, what: str = "files") -> list[UploadPart]:
    """Parts `file`, `file2`, `file3`, ... from a name-to-contents mapping or a list of paths."""
    if isinstance(files, Mapping):
        items = [(name, _check_input(value, f"{what}[{name!r}]")) for name, value in files.items()]
        named = [(_filename(name, f"{what} key"), value) for name, value in items]
    elif isinstance(files, (str, bytes, bytearray)) or not isinstance(files, Sequence):
        raise InvalidArgumentError(
            f"{what} must be a mapping of file names to contents or a sequence of paths"
        )
    else:
        named = []
        for path in files:
            if not isinstance(path, (str, os.PathLike)):
                raise InvalidArgumentError(
                    f"{what} must hold paths, got {type(path).__name__}; pass a mapping of "
                    "file names to contents for bytes or file objects"
                )
            fspath = Path(path)
            named.append((_filename(fspath.name, f"{what} file name"), fspath))
    if not named:
        raise InvalidArgumentError(f"{what} must not be empty")
    if len(named) > MAX_SOURCE_FILES:
        raise InvalidArgumentError(f"{what}: too many files ({len(named)}, at most 500)")
    return [
        ("file" if n == 1 else f"file{n}", name, value) for n, (name, value) in enumerate(named, 1)
    ]


def open_parts(
    parts: Sequence[UploadPart], opened: list[IO[bytes]]
) -> tuple[list[tuple[str, tuple[str, Any, str]]], bool]:
    """httpx `files=` for `parts`, opening paths (appended to `opened` for the caller to close).

    Also says whether the body can be sent again on a retry: bytes, paths and seekable file
    objects can (httpx reads a file from its start each time); a one-shot stream cannot.
    """
    upload: list[tuple[str, tuple[str, Any, str]]] = []
    replayable = True
    for part, filename, value in parts:
        content: Any
        if isinstance(value, bytes):
            content = value
        elif isinstance(value, os.PathLike):
            content = open(value, "rb")  # noqa: SIM115 - closed by the caller
            opened.append(content)
        else:
            content = value
            seekable = getattr(value, "seekable", None)
            if not (callable(seekable) and seekable()):
                replayable = False
        upload.append((part, (filename, content, "application/octet-stream")))
    return upload, replayable


class DownloadSink:
    """Where a download's bytes go: memory, or a temporary file renamed into place at the end."""

    __slots__ = ("_chunks", "_handle", "_progress", "_target", "_temp", "received", "total")

    def __init__(self, to: StrPath | None, progress: ProgressCallback | None) -> None:
        progress = checked_progress(progress)
        self._target: Path | None = None
        if to is not None:
            if not isinstance(to, (str, os.PathLike)) or not os.fspath(to):
                raise InvalidArgumentError("to= must be a file path")
            target = Path(to)
            if target.is_dir():
                raise InvalidArgumentError(f"to= names a directory, not a file: {target}")
            if not target.parent.is_dir():
                raise InvalidArgumentError(f"to=: the directory {target.parent} does not exist")
            self._target = target
        self._progress = progress
        self._chunks: list[bytes] = []
        self._handle: IO[bytes] | None = None
        self._temp: str | None = None
        self.received = 0
        self.total: int | None = None

    async def start(self, total: int | None) -> None:
        """Begin (or begin again, after a retry) receiving a body of `total` bytes."""
        self.received = 0
        self.total = total
        self._chunks = []
        if self._target is not None:
            if self._handle is None:
                fd, self._temp = tempfile.mkstemp(
                    dir=self._target.parent, prefix=f".{self._target.name}.", suffix=".part"
                )
                self._handle = os.fdopen(fd, "wb")
            else:
                self._handle.seek(0)
                self._handle.truncate()
        if self._progress is not None:
            await call_maybe_async(self._progress, 0, total)

    async def write(self, chunk: bytes) -> None:
        if self._handle is not None:
            self._handle.write(chunk)
        else:
            self._chunks.append(chunk)
        self.received += len(chunk)
        if self._progress is not None:
            await call_maybe_async(self._progress, self.received, self.total)

    def finish(self) -> bytes | Path:
        """The bytes, or the path the finished file was renamed to."""
        if self._target is None:
            data = b"".join(self._chunks)
            self._chunks = []
            return data
        handle, temp = self._handle, self._temp
        if handle is None or temp is None:  # pragma: no cover - start() always ran
            raise RuntimeError("download finished before it started")
        handle.close()
        self._handle = None
        os.replace(temp, self._target)
        self._temp = None
        return self._target

    def discard(self) -> None:
        """Drop a failed or cancelled download: no partial file is left behind."""
        self._chunks = []
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._temp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temp)
            self._temp = None
