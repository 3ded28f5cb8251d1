"""Commands that find records entered twice and merge them into one."""

from __future__ import annotations

import json
from typing import Any

import click

from registry.cli.base import KIND, Settings, cli, pass_settings, reports_errors
from registry.model.kinds import get_kind


@cli.command()
@click.argument("kind", type=KIND)
@click.option(
    "--min-score",
    default=80,  # DUPLICATE_SCORE, written out so `commons` starts without loading rapidfuzz; a test holds them equal
    show_default=True,
    type=click.IntRange(0, 100),
    help="List pairs scoring at least this (0 to 100); 70 also lists alike names with no place in common.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the pairs as JSON.")
@pass_settings
@reports_errors
def duplicates(settings: Settings, kind: str, min_score: int, as_json: bool) -> None:
    """Pairs of records that may be one, best first, with a score and why.

    The score (0 to 100) is three quarters how alike the names are (case,
    accents, punctuation and words like "ex" aside) and one quarter the place:
    full for the same street address, and from full at one point to half at
    100 m apart. From 80 a pair is a likely duplicate, and `add` and `import`
    warn about it; a name alone scores at most 75.

    \b
    Examples:
      commons duplicates assets
      commons duplicates actors --min-score 70 --json
      commons merge assets nap-asilo nap-asilo-2 --dry-run
    """
    from registry.operations.duplicates import find_duplicates

    spec = get_kind(kind)
    pairs = find_duplicates(settings.open(reading=True).conn, spec, min_score)
    if as_json:
        click.echo(json.dumps([pair.as_json() for pair in pairs], ensure_ascii=False, indent=2))
        return
    if not pairs:
        click.echo(f"No likely duplicates among {spec.name} (score {min_score} or more).")
        return
    for pair in pairs:
        click.echo(f"{pair.score:>3}  {pair.first.id}  {pair.second.id}  ({pair.reasons()})")
        click.echo(f"     {pair.first.title} / {pair.second.title}")
    click.echo(f"\n{len(pairs)} pair(s). Merge one with: commons merge {spec.name} KEEP DROP --dry-run")


@cli.command()
@click.argument("kind", type=KIND)
@click.argument("keep", metavar="KEEP")
@click.argument("drop", metavar="DROP")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Say what the merge would move and fill, and change nothing.")
@pass_settings
@reports_errors
def merge(settings: Settings, kind: str, keep: str, drop: str, yes: bool, dry_run: bool) -> None:
    """Merge DROP into KEEP: two records of one kind that describe the same thing.

    DROP's links (with their roles), citations, timeline steps, terms and the records
    of other kinds that name it (an agreement's asset_id) move to KEEP; a link,
    citation or step KEEP already has is not doubled. KEEP's empty fields are
    filled from DROP; a field KEEP already has is never overwritten. DROP is then
    removed. It is all one transaction, logged row by row (`commons log`);
    `commons restore KIND DROP` brings DROP back as it was, while what moved
    stays with KEEP. Merging two ids that are the same, unknown or of another
    kind is refused and changes nothing.

    \b
    Examples:
      commons duplicates assets
      commons merge assets nap-asilo nap-asilo-2 --dry-run
      commons merge assets nap-asilo nap-asilo-2 --yes
    """
    from registry.operations.merging import merge_records

    registry = settings.open()
    spec = get_kind(kind)
    if not yes and not dry_run:
        _echo_merge(merge_records(registry, kind, keep, drop, dry_run=True), "Would move")
        click.confirm(f"Merge {spec.singular} {drop} into {keep} and remove {drop}?", abort=True)
    done = merge_records(registry, kind, keep, drop, dry_run=dry_run)
    if dry_run:
        _echo_merge(done, "Would move")
        click.echo(f"Dry run: nothing changed. Merge with: commons merge {spec.name} {keep} {drop} --yes")
        return
    _echo_merge(done, "Moved")
    click.echo(f"Merged {spec.singular} {drop} into {keep} and removed {drop} (bring it back with: commons restore {spec.name} {drop})")


def _echo_merge(done: Any, verb: str) -> None:
    """What a merge moves, leaves out and fills, a line each."""
    for line in done.moved:
        click.echo(f"{verb} {line}")
    for line in done.references:
        click.echo(f"{verb} reference from {line}")
    for line in done.shared:
        click.echo(f"Not doubled (already on {done.keep}): {line}")
    for name, value in done.filled.items():
        shown = value if isinstance(value, str | int | float) else json.dumps(value, ensure_ascii=False)
        click.echo(f"Filled {name} of {done.keep}: {str(shown)[:80]}")
