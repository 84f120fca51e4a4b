"""Type aliases used in aioparticle's public signatures."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import BinaryIO, TypeAlias, Union

__all__ = ["FileInput", "JSONObject", "JSONValue", "ProductRef", "QueryValue"]

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
