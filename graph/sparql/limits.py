"""The query timeout's checks, light to import: the server checks its --timeout before it loads
any query machinery (graph.sparql.engines imports the parser, the store and the plans)."""
from __future__ import annotations

import math

from spinekg.graph.errors import SpinekgError

MAX_TIMEOUT = 24 * 3600.0


def check_timeout(timeout: float | None) -> float | None:
    """None or 0 = no limit; otherwise a finite number of seconds up to a day (one-line errors)."""
    if timeout is None:
        return None
    if not isinstance(timeout, (int, float)) or math.isnan(timeout) or timeout < 0:
        raise SpinekgError(f"the timeout must be a number of seconds, 0 or more (got {timeout!r})")
    if timeout > MAX_TIMEOUT:
        raise SpinekgError(f"the timeout must be at most {MAX_TIMEOUT:g} s (got {timeout:g})")
    return timeout or None
