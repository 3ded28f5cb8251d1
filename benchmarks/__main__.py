"""`python -m benchmarks`: see benchmarks/runner.py and the README's Performance section."""

import sys

from .runner import main

sys.exit(main())
