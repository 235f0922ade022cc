"""Resolution: mentions -> canonical entities, paper links and technique lineage."""

from paperkg.resolve.resolver import resolve

__all__ = ["resolve"]
