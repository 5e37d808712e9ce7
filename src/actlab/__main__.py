"""``python -m actlab`` runs the CLI."""

from actlab.cli import main

raise SystemExit(main())
