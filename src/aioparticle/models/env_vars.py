"""Models of environment variables: a scope's values, their rendering, a rollout's review."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, model_validator

from ._base import ParticleModel, UTCDateTime

__all__ = [
    "EnvVar",
    "EnvVarChange",
    "EnvVarOp",
    "EnvVars",
    "EnvVarsDiff",
    "EnvVarsLatest",
    "EnvVarsOnDevice",
    "EnvVarsRolloutReview",
    "EnvVarsSnapshot",
    "RenderedEnvVars",
]


class EnvVar(ParticleModel):
    """One variable of a scope: its value and, for an inherited one, the scope it comes from."""

    value: str | None = None
    """The variable's value."""
    from_: str | None = Field(default=None, alias="from")
    """Where an inherited value is set: `"Owner"` (the organization or the sandbox), `"Product"`
    or `"Device"`; `None` for the scope's own values (`from` on the wire)."""
    access: list[str] = Field(default_factory=list)
    """Who may read the value (such as `["Device"]`), when the cloud says."""


class EnvVarsLatest(ParticleModel):
    """A scope's current values: its `own` and those it `inherited` from the scopes above it
    (an organization or the sandbox, then a product), by name."""

    own: dict[str, EnvVar] = Field(default_factory=dict)
    """The variables set on this scope itself, by name."""
    inherited: dict[str, EnvVar] = Field(default_factory=dict)
    """The variables inherited from the scopes above (an organization or the sandbox, then a
    product), by name."""
    created_at: UTCDateTime | None = None
    """When the values were first set (UTC)."""
    updated_at: UTCDateTime | None = None
    """When the values last changed (UTC)."""
    created_by: str | None = None
    """The id of the user who first set the values."""
    updated_by: str | None = None
    """The id of the user who last changed the values."""


class EnvVarsSnapshot(ParticleModel):
    """The values as they were last rolled out, when and by whom."""

    own: dict[str, EnvVar] = Field(default_factory=dict)
    """The scope's own variables as last rolled out, by name."""
    inherited: dict[str, EnvVar] = Field(default_factory=dict)
    """The inherited variables as last rolled out, by name."""
    rollout_at: UTCDateTime | None = None
    """When the values were rolled out (UTC)."""
    rollout_by: str | None = None
    """Who rolled the values out, as the cloud names them."""


class EnvVarsOnDevice(ParticleModel):
    """What a device last reported having: the merged values, by name."""

    rendered: dict[str, str] = Field(default_factory=dict)
    """The merged values the device last reported having, by name."""
    last_reported_at: UTCDateTime | None = None
    """When the device last reported its values (UTC)."""
    development_env: Any = None
    """The values of a device in development mode, in the shape the cloud sends."""


class EnvVars(ParticleModel):
    """The environment variables of one scope (sandbox, organization, product or device).

    `latest` holds the values as they are now, `last_snapshot` the values last rolled out
    (`None` before the first rollout) and, for a device, `on_device` what the device last
    reported (`None` until it has). A change is pending until a rollout: compare `latest` with
    `last_snapshot`, or ask `env_vars.review_rollout()`.
    """

    latest: EnvVarsLatest = Field(
        default_factory=EnvVarsLatest, validation_alias=AliasChoices("latest", "env")
    )
    """The scope's values as they are now (`latest`, or `env`, on the wire)."""
    last_snapshot: EnvVarsSnapshot | None = None
    """The values last rolled out; `None` before the first rollout."""
    on_device: EnvVarsOnDevice | None = None
    """What a device last reported having (device scope); `None` until it has reported."""


class RenderedEnvVars(ParticleModel):
    """A scope's values after inheritance, merged into one name → value mapping (`env`): a
    scope's own value wins over an inherited one."""

    env: dict[str, str] = Field(default_factory=dict)
    """The merged values, name → value (a scope's own value wins over an inherited one)."""
    last_updated_at: UTCDateTime | None = None
    """When the values last changed (UTC)."""
    rollout_at: UTCDateTime | None = None
    """When the values were last rolled out (UTC); `None` before the first rollout."""
    rollout_by: str | None = None
    """Who last rolled the values out, as the cloud names them."""


class EnvVarChange(ParticleModel):
    """One change a rollout would make: `op` is `"Added"`, `"Changed"` or `"Removed"`;
    `before` is absent for an added variable, `after` for a removed one."""

    op: Literal["Added", "Changed", "Removed"] | str
    """The kind of change: `"Added"`, `"Changed"` or `"Removed"`."""
    key: str
    """The variable's name."""
    before: str | None = None
    """The value before the rollout; `None` for an added variable."""
    after: str | None = None
    """The value after the rollout; `None` for a removed variable."""


class EnvVarsDiff(ParticleModel):
    """The changes a rollout would make, and the values it would leave as they are."""

    changes: list[EnvVarChange] = Field(default_factory=list)
    """The changes the rollout would make, one per variable."""
    unchanged: dict[str, str] = Field(default_factory=dict)
    """The values the rollout would leave as they are, by name."""

    @property
    def added(self) -> dict[str, str | None]:
        """The variables a rollout would add, with their new values."""
        return {c.key: c.after for c in self.changes if c.op == "Added"}

    @property
    def changed(self) -> dict[str, tuple[str | None, str | None]]:
        """The variables a rollout would change: `(before, after)`."""
        return {c.key: (c.before, c.after) for c in self.changes if c.op == "Changed"}

    @property
    def removed(self) -> dict[str, str | None]:
        """The variables a rollout would remove, with the values they had."""
        return {c.key: c.before for c in self.changes if c.op == "Removed"}


class EnvVarsRolloutReview(ParticleModel):
    """What a rollout would change: against the last snapshot (`from_snapshot`) and, for a
    device that reported its values, against what it has (`from_device`)."""

    from_snapshot: EnvVarsDiff = Field(default_factory=EnvVarsDiff)
    """What a rollout would change against the values last rolled out."""
    from_device: EnvVarsDiff | None = None
    """What a rollout would change against what the device reported having (device scope); `None`
    when it has not reported."""


class EnvVarOp(BaseModel):
    """One operation of `env_vars.update`: build it with `EnvVarOp.set(key, value)` or
    `EnvVarOp.unset(key)`. Keys and values are checked when `update` sends them."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=True)

    op: Literal["Set", "Unset"]
    """The operation: `"Set"` (add or replace the scope's own value) or `"Unset"` (remove it)."""
    key: str
    """The variable's name."""
    value: str | None = None
    """The new value of a `"Set"` operation; `None` for `"Unset"`."""

    @model_validator(mode="after")
    def _value_only_when_set(self) -> EnvVarOp:
        if (self.op == "Set") != (self.value is not None):
            raise ValueError("a Set op takes a value and an Unset op none")
        return self

    @classmethod
    def set(cls, key: str, value: str) -> EnvVarOp:
        """Set `key` to `value` (adding it, or replacing the scope's own value)."""
        return cls(op="Set", key=key, value=value)

    @classmethod
    def unset(cls, key: str) -> EnvVarOp:
        """Remove the scope's own value of `key` (an inherited value shows again)."""
        return cls(op="Unset", key=key)
