"""Type aliases used in aioparticle's public signatures."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import BinaryIO, TypeAlias, Union

__all__ = [
    "FileInput",
    "JSONObject",
    "JSONValue",
    "ProductRef",
    "ProgressCallback",
    "QueryValue",
    "SourceFiles",
    "StrPath",
]

#: A product id (`int`) or slug (`str`).
ProductRef: TypeAlias = Union[int, str]  # noqa: UP007

#: Any JSON value.
JSONValue: TypeAlias = Union[  # noqa: UP007
    bool, int, float, str, Sequence["JSONValue"], Mapping[str, "JSONValue"], None
]

#: A JSON object.
JSONObject: TypeAlias = Mapping[str, JSONValue]

#: A query-string value; sequences are comma-joined, booleans become `true`/`false`.
QueryValue: TypeAlias = Union[str, int, float, bool, Sequence[Union[str, int, float, bool]]]  # noqa: UP007

#: An upload: the bytes themselves, a path to a file, or a binary file object.
FileInput: TypeAlias = Union[bytes, "os.PathLike[str]", BinaryIO]

#: A file-system path.
StrPath: TypeAlias = Union[str, "os.PathLike[str]"]

#: Sources for the cloud compiler: file names (as the compiler should see them, e.g.
#: `"src/app.ino"`) mapped to contents, or a sequence of paths sent under their base names.
SourceFiles: TypeAlias = Union[Mapping[str, FileInput], Sequence[StrPath]]  # noqa: UP007

#: Called as a download or an upload progresses, as `progress(done, total)`: the bytes
#: received (or sent) so far and the expected total (`None` when it is not known). A plain
#: function or a coroutine function (awaited); called once with 0 when the transfer starts,
#: at most once per 64 KiB after that, and once with every byte at the end (a retried transfer
#: starts again from 0). What it raises ends the transfer and propagates from the call.
ProgressCallback: TypeAlias = Callable[[int, Union[int, None]], object]  # noqa: UP007
