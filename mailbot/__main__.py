"""``python -m mailbot`` runs the same CLI as the ``mailbot`` console script."""

from .cli import main

raise SystemExit(main())
