"""One exception hierarchy for the library; the CLI turns it into one-line errors."""


class PaperKGError(Exception):
    """Base class of every error paperkg raises on purpose."""


class InputError(PaperKGError):
    """An input path, format or record that cannot be read."""


class BuildError(PaperKGError):
    """A build that cannot complete (for example a graph that violates the shapes)."""


class QueryError(PaperKGError):
    """A SPARQL query or named query that cannot be run."""


class GraphNotFoundError(PaperKGError):
    """No built graph where one was expected."""
