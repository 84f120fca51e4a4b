"""Models of the cloud compiler: build targets, compile and flash results."""

from __future__ import annotations

from pydantic import Field

from ._base import ParticleModel, UTCDateTime

__all__ = ["BuildTarget", "BuildTargets", "CompileResult", "FlashResult"]


class BuildTarget(ParticleModel):
    """A Device OS version the compiler can build for, and the platforms it supports."""

    version: str
    platforms: list[int] = Field(default_factory=list)
    prereleases: list[int] = Field(default_factory=list)
    firmware_vendor: str | None = None


class BuildTargets(ParticleModel):
    """Every build target, the platform ids by name, and each platform's default version."""

    targets: list[BuildTarget] = Field(default_factory=list)
    platforms: dict[str, int] = Field(default_factory=dict)
    default_versions: dict[str, str] = Field(default_factory=dict)


class CompileResult(ParticleModel):
    """A successful cloud compile: fetch the binary with `builds.download_binary(binary_id)`."""

    ok: bool = True
    binary_id: str
    binary_url: str | None = None
    expires_at: UTCDateTime | None = None
    size_info: str | None = Field(default=None, alias="sizeInfo")


class FlashResult(ParticleModel):
    """The cloud's answer to an over-the-air flash request."""

    ok: bool | None = None
    id: str | None = None
    status: str | None = None
    message: str | None = None
