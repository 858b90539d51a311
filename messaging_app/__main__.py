"""Entry point of ``python -m messaging_app``: hands over to the CLI."""
import sys

from messaging_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
