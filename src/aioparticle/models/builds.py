"""Models of the cloud compiler: build targets, compile and flash results."""

from __future__ import annotations

from pydantic import Field

from ._base import ParticleModel, UTCDateTime

__all__ = ["BuildTarget", "BuildTargets", "CompileResult", "FlashResult"]


class BuildTarget(ParticleModel):
    """A Device OS version the compiler can build for, and the platforms it supports."""

    version: str
    """The Device OS version, such as `"6.1.1"`."""
    platforms: list[int] = Field(default_factory=list)
    """The ids of the platforms this version can be built for."""
    prereleases: list[int] = Field(default_factory=list)
    """The ids of the platforms for which this version is a prerelease."""
    firmware_vendor: str | None = None
    """The vendor of this Device OS version (such as `"Particle"`), when the cloud says."""


class BuildTargets(ParticleModel):
    """Every build target, the platform ids by name, and each platform's default version."""

    targets: list[BuildTarget] = Field(default_factory=list)
    """Every Device OS version the compiler can build for."""
    platforms: dict[str, int] = Field(default_factory=dict)
    """Platform ids by platform name (such as `{"argon": 12}`)."""
    default_versions: dict[str, str] = Field(default_factory=dict)
    """The default Device OS version of each platform, keyed by the platform id as text."""


class CompileResult(ParticleModel):
    """A successful cloud compile: fetch the binary with `builds.download_binary(binary_id)`."""

    ok: bool = True
    """Whether the compile succeeded (`True` when the cloud leaves it out)."""
    binary_id: str
    """The id of the compiled binary: pass it to `builds.download_binary`."""
    binary_url: str | None = None
    """The path of the compiled binary on the API, as the cloud sends it."""
    expires_at: UTCDateTime | None = None
    """The binary's expiry time as the cloud sends it (UTC); `None` when not sent."""
    size_info: str | None = Field(default=None, alias="sizeInfo")
    """The compiler's size report of the binary, as text (`sizeInfo` on the wire)."""


class FlashResult(ParticleModel):
    """The cloud's answer to an over-the-air flash request."""

    ok: bool | None = None
    """Whether the cloud accepted the flash request, when it says."""
    id: str | None = None
    """The id of the device being flashed, when the cloud echoes it."""
    status: str | None = None
    """The flash request's status as the cloud words it (such as `"Update started"`)."""
    message: str | None = None
    """A message the cloud adds to its answer, when it sends one."""
