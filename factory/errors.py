"""Errors a user can act on.

Every error meant for a person is a FactoryError: the CLI prints its one-line message and exits
non-zero without a traceback. Anything else is a bug and keeps its traceback.
"""


class FactoryError(Exception):
    """A problem with the user's input or machine, stated in one line with the fix."""


class RecipeError(FactoryError):
    """A recipe that cannot be used as written."""


class MissingExtraError(FactoryError):
    """An optional dependency is not installed (the message names the extra to install)."""


class Dropped(Exception):
    """A sample that must not be kept; `reason` is a short snake_case tag counted in the manifest."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def require(module: str, extra: str, feature: str):
    """Import an optional dependency at the point of use, or say which extra to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            f"{feature} needs the '{module}' package: install it with pip install 'render-factory[{extra}]'"
        ) from exc
