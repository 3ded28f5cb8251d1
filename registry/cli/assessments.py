"""Commands for self-assessment: the frameworks records are scored on, and scoring a record."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

from registry.cli.base import Settings, cli, pass_settings, reports_errors, warn
from registry.model.frameworks import UNKNOWN, Framework, framework_folders, get_framework, load_frameworks, read_framework

# `--source URL` gives every criterion scored in the command one source; `--source CRITERION=URL` gives one its own.
PER_CRITERION_RE = re.compile(r"^([a-z][a-z0-9_]*)=(.*)$", re.DOTALL)


@cli.group(invoke_without_command=True)
@click.pass_context
@reports_errors
def frameworks(ctx: click.Context) -> None:
    """The yardsticks case studies and agreements are assessed on: the package's and the lab's own.

    A lab adds a framework by putting a TOML file in a folder named in
    COMMONS_FRAMEWORKS (separate several folders like PATH); `commons
    frameworks check FILE` says what is wrong with one before it is used.

    \b
    Example:
      commons frameworks
      commons frameworks show un-good-governance
    """
    if ctx.invoked_subcommand is not None:
        return
    found = load_frameworks()
    width = max(len(f.id) for f in found.values())
    for framework in found.values():
        kinds = " and ".join(framework.applies_to)
        click.echo(
            f"{framework.id:<{width}}  {len(framework.criteria):>2} criteria, {framework.scale.min}–{framework.scale.max}, {kinds}: {framework.title}"
        )
    extra = framework_folders()[1:]
    if extra:
        click.echo("Lab folders: " + ", ".join(str(p) for p in extra), err=True)


@frameworks.command("show")
@click.argument("framework_id", metavar="FRAMEWORK")
@reports_errors
def show_framework(framework_id: str) -> None:
    """A framework's criteria, each with the question a group answers, and its scale.

    \b
    Example:
      commons frameworks show public-participation-values
    """
    _describe(get_framework(framework_id))


@frameworks.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@reports_errors
def check_framework(path: Path) -> None:
    """Check a framework file before adding it to the lab's folder.

    \b
    Example:
      commons frameworks check my-frameworks/naples-regulation.toml
    """
    framework = read_framework(path)
    click.echo(f"{path}: a valid framework, {framework.id!r}, with {len(framework.criteria)} criteria")


def _describe(framework: Framework) -> None:
    click.echo(f"{framework.title} ({framework.id})")
    click.echo(f"Source: {framework.source}")
    click.echo(f"Judges: {', '.join(framework.applies_to)}")
    click.echo("Scale: " + "; ".join(f"{point} {label}" for point, label in framework.scale.labels.items()) + f"; or {UNKNOWN}")
    for criterion in framework.criteria:
        click.echo(f"\n{criterion.id}: {criterion.title}\n  {criterion.question}")


def _split_per_criterion(given: tuple[str, ...], option: str, *, allow_shared: bool) -> tuple[dict[str, str], str]:
    named: dict[str, str] = {}
    shared = ""
    for value in given:
        match = PER_CRITERION_RE.match(value)
        if match:
            named[match.group(1)] = match.group(2)
        elif allow_shared and not shared:
            shared = value
        else:
            raise click.BadParameter(f"{value!r} is not CRITERION=TEXT (e.g. {option} transparency='...')", param_hint=option)
    return named, shared


def _walk(framework: Framework) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Ask about each criterion in turn; an empty answer leaves it unknown."""
    scores: dict[str, str] = {}
    why: dict[str, str] = {}
    sources: dict[str, str] = {}
    points = " ".join(f"{p}={label}" for p, label in framework.scale.labels.items())
    click.echo(f"{framework.title}: {len(framework.criteria)} criteria. Scale: {points}. Press Enter to leave a criterion {UNKNOWN}.")
    for number, criterion in enumerate(framework.criteria, 1):
        click.echo(f"\n{number}/{len(framework.criteria)} {criterion.title}\n  {criterion.question}")
        allowed = click.Choice([*(str(p) for p in framework.scale.points), UNKNOWN, ""])
        score = click.prompt("  Score", default="", show_default=False, type=allowed, show_choices=False)
        if not score or score == UNKNOWN:
            scores[criterion.id] = UNKNOWN
            continue
        scores[criterion.id] = score
        why[criterion.id] = click.prompt("  Why (the evidence, in a sentence)")
        sources[criterion.id] = click.prompt("  Source (a web address or a document)")
    return scores, why, sources


@cli.command()
@click.argument("kind", type=click.Choice(["cases", "agreements"]))
@click.argument("record_id", metavar="ID")
@click.option("--framework", "framework_id", required=True, help="The framework to score on (`commons frameworks` lists them).")
@click.option(
    "--set", "assignments", multiple=True, metavar="CRITERION=SCORE", help=f"A criterion's score on the framework's scale, or {UNKNOWN}."
)
@click.option(
    "--why", "reasons", multiple=True, metavar="CRITERION=TEXT", help="Why the criterion has its score: the evidence, in a sentence."
)
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="[CRITERION=]SOURCE",
    help="Where the evidence is (a web address or a document): for one criterion, or without CRITERION= for every one scored.",
)
@click.option("--on", "assessed_on", metavar="YYYY-MM-DD", help="The date of the assessment (default: today).")
@click.option("--assessor", help="Who assesses: an organisation or group, never a private person's contact.")
@click.option("--summary", help="What the assessment found overall, in Markdown.")
@click.option("--walk", is_flag=True, help="Ask about each criterion in turn (the default in a terminal when no --set is given).")
@pass_settings
@reports_errors
def assess(
    settings: Settings,
    kind: str,
    record_id: str,
    framework_id: str,
    assignments: tuple[str, ...],
    reasons: tuple[str, ...],
    sources: tuple[str, ...],
    assessed_on: str | None,
    assessor: str | None,
    summary: str | None,
    walk: bool,
) -> None:
    """Score a case study or agreement on a framework, criterion by criterion, with the evidence.

    The day's assessment of the record on the framework is added, or, when
    there is one, the criteria given change in it. Criteria never scored stay
    unknown; every score needs a source and a reason.

    \b
    Example:
      commons assess cases cs-naples-commons --framework un-good-governance \\
          --assessor "Commons Lab Napoli" --set transparency=2 \\
          --why transparency="Resolutions and the declaration are public" \\
          --source https://commonsnapoli.org/archivio/documenti-giuridici
      commons assess cases cs-naples-commons --framework un-good-governance --walk
    """
    from registry.operations.assessments import Scoring, assess_record

    framework = get_framework(framework_id)
    scores, _ = _split_per_criterion(assignments, "--set", allow_shared=False)
    why, _ = _split_per_criterion(reasons, "--why", allow_shared=False)
    per_source, shared_source = _split_per_criterion(sources, "--source", allow_shared=True)
    if walk or (not assignments and sys.stdin.isatty()):
        if not assessor:
            assessor = click.prompt("Assessor (an organisation or group)")
        scores, why, per_source = _walk(framework)
    registry = settings.open()
    outcome, new = assess_record(
        registry,
        kind,
        record_id,
        framework.id,
        Scoring(scores, why, per_source, shared_source),
        assessed_on=assessed_on,
        assessor=assessor,
        summary=summary,
    )
    warn(outcome.warnings)
    record = outcome.record
    known = sum(1 for entry in (record.get("scores") or {}).values() if entry.get("score") != UNKNOWN)
    verb = "Added" if new else ("Updated" if outcome.changed else "No change to")
    click.echo(f"{verb} assessment {record['id']}: {known} of {len(framework.criteria)} criteria scored, the rest {UNKNOWN}")
