"""`AIOPARTICLE_LOG=debug|info`: aioparticle's logging switched on from the environment."""

from __future__ import annotations

import logging
import os
import warnings

__all__ = ["ENV_VAR", "LEVELS", "configure_from_env"]

#: The environment variable read when aioparticle is imported.
ENV_VAR = "AIOPARTICLE_LOG"
#: Its values, and the level each sets on the `aioparticle` logger.
LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}

_FORMAT = "[%(asctime)s %(name)s %(levelname)s] %(message)s"


class _EnvHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The stderr handler `AIOPARTICLE_LOG` installs (one per process)."""


def configure_from_env() -> logging.Handler | None:
    """With `AIOPARTICLE_LOG` set to `debug` or `info` (any case), log the `aioparticle`
    loggers at that level to stderr, through one handler however often this runs. Another
    value is ignored with a `RuntimeWarning` naming the ones allowed; unset or empty does
    nothing. Returns the handler, if there is one."""
    value = os.environ.get(ENV_VAR, "").strip()
    if not value:
        return None
    level = LEVELS.get(value.lower())
    if level is None:
        allowed = " or ".join(repr(name) for name in LEVELS)
        warnings.warn(
            f"{ENV_VAR}={value[:20]!r} is not a level aioparticle knows (use {allowed}); "
            "aioparticle's logging is left as it is",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    logger = logging.getLogger("aioparticle")
    logger.setLevel(level)
    handler = next((h for h in logger.handlers if isinstance(h, _EnvHandler)), None)
    if handler is None:
        handler = _EnvHandler()  # stderr
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
    handler.setLevel(level)
    return handler
