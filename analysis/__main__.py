"""``python -m analysis``: see :mod:`analysis.pipeline.cli`."""

import sys

from analysis.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
