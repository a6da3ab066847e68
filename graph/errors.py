"""Errors caused by the user's input: the CLI prints them as one line and exits non-zero."""


class SpinekgError(Exception):
    """A problem with what the user asked for; `str(e)` is the one-line message."""

    exit_code = 2


class UnknownCode(SpinekgError):
    def __init__(self, code: str, closest: list[str]):
        hint = f" (closest: {', '.join(closest)})" if closest else ""
        super().__init__(f"unknown code {code}{hint}")
        self.code = code
        self.closest = closest


class UnknownFacetValue(SpinekgError):
    def __init__(self, facet: str, value: str, valid: list[str]):
        super().__init__(f"unknown {facet} {value!r}; valid values: {', '.join(valid)}")
