"""Errors of the HTML views, in paperkg's one exception hierarchy."""

from __future__ import annotations

from paperkg.errors import PaperKGError


class ViewError(PaperKGError):
    """A view that cannot be drawn as asked (a bad option, a page left online)."""


class OfflineError(ViewError):
    """A page that would still load something from outside itself."""
