"""Entry point of ``python -m detectors``."""

import sys

from detectors.cli import main

sys.exit(main())
