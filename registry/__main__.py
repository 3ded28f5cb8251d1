"""`python -m registry` runs the `commons` command."""

from registry.cli import main

main()
