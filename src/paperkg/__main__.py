"""``python -m paperkg`` runs the command-line interface."""

from paperkg.cli import main

raise SystemExit(main())
