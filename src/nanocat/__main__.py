"""``python -m nanocat`` runs the command line."""

import sys

from nanocat.cli import main

sys.exit(main())
