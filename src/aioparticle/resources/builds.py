"""The cloud compiler: build targets, compiling sources, downloading binaries, flashing."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, overload

from .._exceptions import InvalidArgumentError
from .._files import source_parts
from .._parsing import parse_model
from .._paths import scope_prefix, segment
from ..models.builds import BuildTargets, CompileResult, FlashResult
from ._base import Resource
from ._checks import device_segment, flag, short_text

if TYPE_CHECKING:
    from ..types import ProductRef, ProgressCallback, SourceFiles, StrPath

__all__ = ["Builds"]

_parse_targets = parse_model(BuildTargets)
_parse_compile = parse_model(CompileResult)
_parse_flash = parse_model(FlashResult)


def _target_fields(target_version: str | None) -> dict[str, str]:
    if target_version is None:
        return {"latest": "true"}
    return {"build_target_version": short_text(target_version, "target_version", max_length=64)}


class Builds(Resource):
    """Compile firmware in the cloud and flash it over the air."""

    __slots__ = ()

    async def list_targets(self, *, featured: bool = False) -> BuildTargets:
        """Device OS versions the compiler can target, per platform."""
        params = {"featured": True} if flag(featured, "featured") else None
        return await self._request("GET", "/v1/build_targets", params=params, parse=_parse_targets)

    async def compile(
        self,
        files: SourceFiles,
        *,
        platform_id: int | None = None,
        target_version: str | None = None,
        progress: ProgressCallback | None = None,
    ) -> CompileResult:
        """Compile sources into a binary; fetch it with `download_binary(result.binary_id)`.

        `files` maps file names (as the compiler should see them, e.g. `"src/app.ino"`) to
        bytes, paths or binary file objects, or is a list of paths sent under their base names.
        Without `target_version` the latest Device OS is targeted. A compile error raises
        `BadRequestError` whose `errors` hold the compiler's messages. `progress(sent, total)`
        follows the upload of the sources.
        """
        parts = source_parts(files)
        fields = _target_fields(target_version)
        if platform_id is not None:
            if isinstance(platform_id, bool) or not isinstance(platform_id, int) or platform_id < 0:
                raise InvalidArgumentError(f"platform_id must be an int >= 0, got {platform_id!r}")
            fields = {"platform_id": str(platform_id), **fields}
        return await self._request(
            "POST",
            "/v1/binaries",
            data=fields,
            parts=parts,
            parse=_parse_compile,
            idempotent=True,
            progress=progress,
        )

    @overload
    async def download_binary(
        self, binary_id: str, *, to: None = None, progress: ProgressCallback | None = None
    ) -> bytes: ...
    @overload
    async def download_binary(
        self, binary_id: str, *, to: StrPath, progress: ProgressCallback | None = None
    ) -> Path: ...
    async def download_binary(
        self,
        binary_id: str,
        *,
        to: StrPath | None = None,
        progress: ProgressCallback | None = None,
    ) -> bytes | Path:
        """Download a compiled binary: the bytes, or the `Path` written when `to=` is given."""
        path = f"/v1/binaries/{segment(binary_id, 'binary_id', max_length=64)}"
        return await self._download("GET", path, to=to, progress=progress)

    async def flash(
        self,
        device_id: str,
        files: SourceFiles,
        *,
        target_version: str | None = None,
        product: ProductRef | None = None,
        progress: ProgressCallback | None = None,
    ) -> FlashResult:
        """Compile sources (or send a `.bin`) and flash the result to a device over the air.

        Not retried once sent. `progress(sent, total)` follows the upload of the files.
        """
        parts = source_parts(files)
        path = f"{scope_prefix(product)}/devices/{device_segment(device_id)}"
        return await self._request(
            "PUT",
            path,
            data=_target_fields(target_version),
            parts=parts,
            parse=_parse_flash,
            idempotent=False,
            progress=progress,
        )

    async def flash_tinker(self, device_id: str) -> FlashResult:
        """Flash the Tinker app to a device. Deprecated by Particle: flash a Tinker binary
        with `flash()` instead."""
        warnings.warn(
            "flash_tinker() is deprecated by Particle; flash a Tinker binary with flash()",
            DeprecationWarning,
            stacklevel=2,
        )
        path = f"/v1/devices/{device_segment(device_id)}"
        return await self._request(
            "PUT", path, json={"app": "tinker"}, parse=_parse_flash, idempotent=False
        )
