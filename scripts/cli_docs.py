"""Write docs/cli.md from the commands' own help, so the reference never drifts from the code.

Run: python scripts/cli_docs.py   (tests/test_docs.py fails when a command is missing)
"""

from __future__ import annotations

from pathlib import Path

import click

from registry.cli import cli

HEADER = """# The `commons` command

Every command works on the registry named by `--db PATH` (default
`./registry.db`, or the `COMMONS_DB` environment variable). Changes are logged
with the name given by `--by NAME` (or `COMMONS_USER`, else your OS user).
Errors a user can fix exit with status 1 and a message naming the field and
what is allowed; usage mistakes exit with status 2. This page is generated
from the commands' `--help` by `scripts/cli_docs.py`.
"""


def walk(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            found += walk(command, path)
        else:
            found.append((path, command))
    return found


def render() -> str:
    parts = [HEADER]
    for path, command in walk(cli):
        ctx = click.Context(command, info_name="commons " + " ".join(path))
        parts.append(f"## commons {' '.join(path)}\n\n```\n{command.get_help(ctx).strip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    target = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
    target.write_text(render(), encoding="utf-8")
    print(f"wrote {target}")
