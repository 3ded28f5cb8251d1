"""Reviewing what the public sent: receive saved contributions, read them beside the registry, accept or reject each."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import click

from registry.cli.base import Settings, cli, contributions_file_option, parse_assignments, pass_settings, reports_errors, warn


def printable(text: Any) -> str:
    """A contributed value as safe terminal text: invisible and control characters spelled out, so nothing hides or rewrites the screen."""
    return "".join(
        f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp", "Co", "Cs") and ch not in "\n\t" else ch
        for ch in str(text)
    )


def open_contributions_store(settings: Settings, path: Path | None) -> Any:
    from registry.store.contributions import default_contributions_path, open_contributions

    store = open_contributions(path or default_contributions_path(settings.db), registry_path=settings.db)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.call_on_close(store.close)
    return store


@cli.group()
def contributions() -> None:
    """The public's suggestions and reported changes, reviewed by staff before anything is published.

    \b
    Examples:
      commons contributions add contribution-assets-20261128-101500.json
      commons contributions list
      commons contributions show 3
      commons contributions accept 3 --set status=unused
      commons contributions reject 4 --reason "already in the registry as nap-asilo"
    """


@contributions.command("add")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@contributions_file_option
@pass_settings
@reports_errors
def add_command(settings: Settings, files: tuple[Path, ...], contributions_path: Path | None) -> None:
    """Receive contributions saved from the site's forms, or e-mails holding one; all are checked before any is kept.

    \b
    Example:
      commons contributions add contribution-assets-20261128-101500.json message.eml
    """
    from registry.operations.contributions import add_contribution_files

    registry = settings.open(reading=True)
    for path, number, new in add_contribution_files(open_contributions_store(settings, contributions_path), registry, list(files)):
        click.echo(f"{path}: {'received as' if new else 'already received as'} contribution {number}")


@contributions.command("list")
@click.option(
    "--status",
    type=click.Choice(["pending", "accepted", "rejected", "all"]),
    default="pending",
    show_default=True,
    help="Which contributions to list.",
)
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON, contact details included.")
@contributions_file_option
@pass_settings
@reports_errors
def list_command(settings: Settings, status: str, as_json: bool, contributions_path: Path | None) -> None:
    """The contributions received, oldest first: number, date, what it is, and its status.

    \b
    Examples:
      commons contributions list
      commons contributions list --status all
    """
    from registry.model.contributions import suggested_id
    from registry.model.kinds import get_kind
    from registry.store.contributions import list_contributions

    found = list_contributions(open_contributions_store(settings, contributions_path), None if status == "all" else status)
    if as_json:
        click.echo(json.dumps([_as_json(r) for r in found], ensure_ascii=False, indent=2))
        return
    if not found:
        click.echo("No contributions." if status == "all" else f"No {status} contributions.")
    for received in found:
        c = received.contribution
        kind = get_kind(c.kind)
        what = (
            f"change to {c.kind}/{c.record_id}"
            if c.action == "change"
            else f"new {kind.singular}: {c.fields.get(kind.title_field) or suggested_id(kind, c.fields)}"
        )
        click.echo(f"#{received.number:<5} {received.received_at[:10]}  {received.status:<8}  {printable(what)}")


def _as_json(received: Any) -> dict[str, Any]:
    return {
        "number": received.number,
        "received_at": received.received_at,
        "channel": received.channel,
        "status": received.status,
        "reviewed_by": received.reviewed_by,
        "reviewed_at": received.reviewed_at,
        "reason": received.reason,
        "result": f"{received.result_kind}/{received.result_id}" if received.result_id else None,
        "contribution": received.contribution.to_json(),
    }


@contributions.command("show")
@click.argument("number", type=click.IntRange(1))
@contributions_file_option
@pass_settings
@reports_errors
def show_command(settings: Settings, number: int, contributions_path: Path | None) -> None:
    """One contribution in full, with what it would change in the registry and records it may duplicate.

    Values are shown as text: markup is not run, and invisible characters are spelled out (\\u202e).

    \b
    Example:
      commons contributions show 3
    """
    from registry.model.kinds import get_kind
    from registry.operations.contributions import review_notes
    from registry.store.contributions import get_contribution

    received = get_contribution(open_contributions_store(settings, contributions_path), number)
    c = received.contribution
    kind = get_kind(c.kind)
    what = f"a reported change to {kind.singular} {c.record_id}" if c.action == "change" else f"a suggested new {kind.singular}"
    channel = "through the intake service" if received.channel == "intake" else "from a saved file or e-mail"
    lines = [
        f"Contribution {received.number}: {what}",
        f"Received {received.received_at} {channel}; status {received.status}"
        + (f" by {received.reviewed_by} on {received.reviewed_at}" if received.reviewed_by else ""),
    ]
    if received.reason:
        lines.append(f"Reason: {received.reason}")
    if received.result_id:
        lines.append(f"Result: {received.result_kind}/{received.result_id}")
    lines.append("Fields:")
    lines += [f"  {name}: {value}" for name, value in c.fields.items()] or ["  (none)"]
    if c.note:
        lines.append(f"Note: {c.note}")
    who = c.contributor
    lines.append(f"Contributor (private): {who.name or '-'} <{who.email or '-'}>, organisation: {who.organisation or '-'}")
    lines.append(f"Credit: {who.credited_as or 'the public'}")
    if c.language:
        lines.append(f"Language: {c.language}")
    if received.status == "pending":
        notes = review_notes(settings.open(reading=True), received)
        if notes:
            lines.append("Before deciding:")
            lines += [f"  {note}" for note in notes]
    for line in lines:
        click.echo(printable(line).replace("\n", "\n    "))


@contributions.command("accept")
@click.argument("number", type=click.IntRange(1))
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Your own value for a field, over the contributor's; repeat for more.",
)
@click.option("--skip", multiple=True, metavar="FIELD", help="Leave out a field the contributor gave; repeat for more.")
@click.option("--into", metavar="ID", help="Apply a suggestion to this existing record instead of adding a new one.")
@contributions_file_option
@pass_settings
@reports_errors
def accept_command(
    settings: Settings, number: int, assignments: tuple[str, ...], skip: tuple[str, ...], into: str | None, contributions_path: Path | None
) -> None:
    """Accept a contribution: a suggestion becomes a record, a reported change an edit, both logged as coming from it.

    The registry's rules apply as for `add` and `edit`; the change log names the
    contribution and you (--by) as its reviewer, and the record credits the
    contributor as they agreed.

    \b
    Examples:
      commons --by giulia contributions accept 3
      commons contributions accept 5 --set id=nap-villa-medusa --set status=unused
      commons contributions accept 6 --skip lat --skip lon --into nap-asilo
    """
    from registry.operations.contributions import accept_contribution

    accepted = accept_contribution(
        settings.open(),
        open_contributions_store(settings, contributions_path),
        number,
        edits=parse_assignments(assignments),
        skip=skip,
        into=into,
    )
    warn(accepted.warnings)
    if accepted.created:
        click.echo(f"Accepted contribution {number}: added {accepted.kind}/{accepted.record_id}")
    else:
        changed = f" ({', '.join(accepted.changed)})" if accepted.changed else ""
        click.echo(f"Accepted contribution {number}: changed {accepted.kind}/{accepted.record_id}{changed}")


@contributions.command("reject")
@click.argument("number", type=click.IntRange(1))
@click.option("--reason", required=True, help="Why it is rejected; kept with the contribution.")
@contributions_file_option
@pass_settings
@reports_errors
def reject_command(settings: Settings, number: int, reason: str, contributions_path: Path | None) -> None:
    """Reject a contribution, saying why; it is kept, with the reason, and nothing reaches the registry.

    \b
    Example:
      commons contributions reject 4 --reason "already in the registry as nap-asilo"
    """
    from registry.operations.contributions import reject_contribution
    from registry.store.database import current_user

    reject_contribution(open_contributions_store(settings, contributions_path), number, reason, settings.by or current_user())
    click.echo(f"Rejected contribution {number}")


@contributions.command("forget")
@click.argument("number", type=click.IntRange(1))
@contributions_file_option
@pass_settings
@reports_errors
def forget_command(settings: Settings, number: int, contributions_path: Path | None) -> None:
    """Erase a contributor's name, e-mail and note from a contribution, when they ask or once review is over.

    The organisation stays only if the contributor agreed to be credited by it.
    What was accepted into the registry is not touched.

    \b
    Example:
      commons contributions forget 3
    """
    from registry.store.contributions import forget_contributor

    forget_contributor(open_contributions_store(settings, contributions_path), number)
    click.echo(f"Forgot the contributor's details in contribution {number}")


def receive_saved_contributions(settings: Settings, files: list[str], contributions_path: Path | None, dry_run: bool) -> bool:
    """Files saved from the site (a questionnaire's answers) go to the contributions for review, never straight into the
    registry; False when the files are not such files, for `commons import` to import them as records."""
    from registry.operations.contributions import add_contribution_files, is_contribution_file, read_contribution_file

    if not files or not all(is_contribution_file(Path(f)) for f in files):
        return False
    if dry_run:
        for f in files:
            read_contribution_file(Path(f))
            click.echo(f"{f}: would be kept as a draft for review (a file saved from the site)")
        return True
    registry = settings.open(reading=True)
    for path, number, new in add_contribution_files(
        open_contributions_store(settings, contributions_path), registry, [Path(f) for f in files]
    ):
        state = "kept as a draft for review" if new else "already kept"
        click.echo(f"{path}: {state}: contribution {number}; review it with `commons contributions show {number}` and `accept` or `reject`")
    return True
