"""``python -m paperkg`` runs the command-line interface."""

from paperkg.cli import program

program()
