"""Typed exceptions. The library raises these; only the CLI turns them into exit codes."""

from __future__ import annotations


class MineplanError(Exception):
    """Base class. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(MineplanError):
    """Unusable user input: a file, a feature or an option. The message is one line that
    names the file, the feature and what is wrong."""

    exit_code = 2

    def __init__(self, message: str, *, path: str | None = None, feature: str | int | None = None):
        self.path = path
        self.feature = feature
        self.problem = message
        parts = []
        if path is not None:
            parts.append(str(path))
        if feature is not None:
            parts.append(f"feature {feature}")
        parts.append(message)
        super().__init__(": ".join(parts))


class AmbiguousCRSError(InputError):
    """The coordinates admit more than one reading inside the plan area."""


class PlanPackError(MineplanError):
    """A plan pack (plan.toml and its layers) is missing, malformed or breaks an invariant."""

    exit_code = 2


class RuleConfigError(PlanPackError):
    """A rule parameter in the plan pack is missing or of the wrong type."""
