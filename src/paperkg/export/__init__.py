"""Exporters: one output format per module, each taking a path or a stream."""
