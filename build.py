"""Build the website: the same as `commons build`.

    python build.py [--db registry.db] [--output output] [other `commons build` options]

The registry comes from --db, else COMMONS_DB, else ./registry.db. Create the
example registry with `commons --db registry.db init --example`.
"""

from registry.cli import cli

if __name__ == "__main__":
    import sys

    cli(["build", *sys.argv[1:]], prog_name="python build.py")
