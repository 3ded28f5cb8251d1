"""The yardsticks records are assessed on, read from framework files: the package's and a lab's own.

A framework is data, not code: one TOML file names its criteria, the scale
they are scored on, where the yardstick comes from and which kinds of record
it judges. The package ships the guidebook's yardsticks in
`registry/model/frameworks/`; a lab adds its own (its city's commons
regulation, say) by putting files in a folder named in COMMONS_FRAMEWORKS.
Every layer asks this module, so a new file is listed, validated against,
published and given pages with no code.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from registry.model.errors import ValidationError, suggest
from registry.model.values import SLUG_RE, URL_RE

# The folders of a lab's own framework files, separated like PATH.
FOLDERS_ENV = "COMMONS_FRAMEWORKS"
UNKNOWN = "unknown"  # the score of a criterion the evidence is silent on
CRITERION_RE = re.compile(r"^[a-z][a-z0-9_]*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
KINDS_ASSESSED = ("cases", "agreements")  # the kinds an assessment can be about
MAX_SCALE = 10
TOP_KEYS = {
    "id": True,
    "title": True,
    "short_title": True,
    "author": False,
    "summary": True,
    "source": True,
    "source_url": False,
    "guide_chapter": False,
    "applies_to": True,
    "scale": True,
    "criteria": True,
    "translations": False,
}
CRITERION_KEYS = {"id": True, "title": True, "question": True}
TRANSLATED_KEYS = {"title", "short_title", "summary", "scale", "criteria"}


@dataclass(frozen=True)
class Criterion:
    """One thing a framework asks about, and the question a group answers to score it."""

    id: str
    title: str
    question: str


@dataclass(frozen=True)
class Scale:
    """The whole numbers a criterion is scored with, each with its words; higher means more of what is asked."""

    min: int
    max: int
    labels: Mapping[int, str]

    @property
    def points(self) -> range:
        return range(self.min, self.max + 1)

    def share(self, score: int) -> float:
        """Where a score stands between the scale's ends, 0 to 1, so scores on different scales compare."""
        return (score - self.min) / (self.max - self.min)


@dataclass(frozen=True)
class Framework:
    """A yardstick: its criteria, its scale, where it comes from and what it judges."""

    id: str
    title: str
    short_title: str
    summary: str
    source: str
    applies_to: tuple[str, ...]
    scale: Scale
    criteria: tuple[Criterion, ...]
    author: str = ""
    source_url: str = ""
    guide_chapter: str = ""
    origin: str = ""  # the file it was read from, for `commons frameworks` and error messages
    translations: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def criterion_ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.criteria)

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(criterion_id)

    def localised(self, code: str) -> Framework:
        """The framework in a language: its translated words where the file gives them, English elsewhere."""
        words = self.translations.get(code)
        if not words:
            return self
        texts = words.get("criteria", {})
        criteria = tuple(replace(c, **{k: v for k, v in texts.get(c.id, {}).items()}) for c in self.criteria)
        labels = {point: words.get("scale", {}).get(str(point), label) for point, label in self.scale.labels.items()}
        return replace(
            self,
            title=words.get("title", self.title),
            short_title=words.get("short_title", self.short_title),
            summary=words.get("summary", self.summary),
            scale=replace(self.scale, labels=labels),
            criteria=criteria,
        )


def _text(data: Mapping[str, Any], key: str, where: str, problems: list[str], limit: int = 4000) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        problems.append(f"{where}: field {key!r} must be non-empty text")
        return ""
    if len(value) > limit:
        problems.append(f"{where}: field {key!r} is {len(value)} characters long; at most {limit} are allowed")
    return " ".join(value.split()) if "\n\n" not in value.strip() else value.strip()


def _keys(data: Mapping[str, Any], allowed: Mapping[str, bool] | set[str], where: str, problems: list[str]) -> None:
    for key in data:
        if key not in allowed:
            problems.append(f"{where}: unknown field {key!r}{suggest(key, list(allowed))}; allowed: {', '.join(allowed)}")
    if isinstance(allowed, Mapping):
        for key, required in allowed.items():
            if required and key not in data:
                problems.append(f"{where}: field {key!r} is required")


def _scale(data: Any, where: str, problems: list[str]) -> Scale:
    if not isinstance(data, dict):
        problems.append(f"{where}: [scale] must be a table with min, max and labels")
        return Scale(0, 1, {0: "", 1: ""})
    _keys(data, {"min": True, "max": True, "labels": True}, f"{where}: [scale]", problems)
    low, high = data.get("min"), data.get("max")
    if not isinstance(low, int) or not isinstance(high, int) or isinstance(low, bool) or isinstance(high, bool):
        problems.append(f"{where}: scale.min and scale.max must be whole numbers, e.g. min = 0 and max = 3")
        return Scale(0, 1, {0: "", 1: ""})
    if not 0 <= low < high <= MAX_SCALE:
        problems.append(f"{where}: the scale runs from {low} to {high}; give 0 ≤ min < max ≤ {MAX_SCALE}")
        return Scale(0, 1, {0: "", 1: ""})
    raw = data.get("labels")
    labels: dict[int, str] = {}
    if not isinstance(raw, dict):
        problems.append(f'{where}: [scale.labels] must give each score its words, e.g. "0" = "Absent"')
        raw = {}
    for point in range(low, high + 1):
        label = raw.get(str(point))
        if not isinstance(label, str) or not label.strip():
            problems.append(
                f'{where}: scale.labels has no words for {point}; add "{point}" = "..." (every whole number from {low} to {high})'
            )
        else:
            labels[point] = label.strip()
    extra = [k for k in raw if k not in {str(p) for p in range(low, high + 1)}]
    if extra:
        problems.append(f"{where}: scale.labels gives {extra[0]!r}, outside the scale {low} to {high}")
    return Scale(low, high, labels)


def _criteria(data: Any, where: str, problems: list[str]) -> tuple[Criterion, ...]:
    if not isinstance(data, list) or not data:
        problems.append(f"{where}: give at least one [[criteria]] table with id, title and question")
        return ()
    found: list[Criterion] = []
    for number, item in enumerate(data, 1):
        at = f"{where}: criterion {number}"
        if not isinstance(item, dict):
            problems.append(f"{at}: must be a [[criteria]] table")
            continue
        _keys(item, CRITERION_KEYS, at, problems)
        cid = item.get("id")
        if not isinstance(cid, str) or not CRITERION_RE.fullmatch(cid) or len(cid) > 60:
            problems.append(
                f"{at}: field 'id' must be lowercase letters, digits and underscores, starting with a letter, e.g. 'rule_of_law'"
            )
            continue
        if cid == UNKNOWN or any(c.id == cid for c in found):
            problems.append(f"{at}: id {cid!r} is {'reserved' if cid == UNKNOWN else 'used twice'}; give each criterion its own id")
            continue
        found.append(Criterion(cid, _text(item, "title", at, problems, 200), _text(item, "question", at, problems, 1000)))
    return tuple(found)


def _translations(data: Any, criteria: tuple[Criterion, ...], where: str, problems: list[str]) -> dict[str, dict[str, Any]]:
    if data is None:
        return {}
    if not isinstance(data, dict):
        problems.append(f"{where}: [translations] must hold one table per language code, e.g. [translations.es]")
        return {}
    ids = {c.id for c in criteria}
    result: dict[str, dict[str, Any]] = {}
    for code, words in data.items():
        at = f"{where}: translations.{code}"
        if not LANGUAGE_RE.fullmatch(code) or not isinstance(words, dict):
            problems.append(f"{at}: must be a language code (es, it, fr, ar...) with a table of texts")
            continue
        _keys(words, TRANSLATED_KEYS, at, problems)
        texts: dict[str, Any] = {k: " ".join(v.split()) for k, v in words.items() if k in ("title", "short_title") and isinstance(v, str)}
        if isinstance(words.get("summary"), str):
            texts["summary"] = words["summary"].strip()
        texts["scale"] = {str(k): str(v) for k, v in (words.get("scale") or {}).items()}
        per_criterion: dict[str, dict[str, str]] = {}
        for cid, given in (words.get("criteria") or {}).items():
            if cid not in ids:
                problems.append(f"{at}: criteria.{cid} is not a criterion of this framework{suggest(cid, sorted(ids))}")
                continue
            if not isinstance(given, dict) or set(given) - {"title", "question"}:
                problems.append(f"{at}: criteria.{cid} may give only title and question")
                continue
            per_criterion[cid] = {k: " ".join(str(v).split()) for k, v in given.items()}
        texts["criteria"] = per_criterion
        result[code] = texts
    return result


def parse_framework(data: Mapping[str, Any], name: str, origin: str = "") -> Framework:
    """A framework from a parsed file; raise ValidationError naming every field that is wrong and how to fix it."""
    where = name
    problems: list[str] = []
    _keys(data, TOP_KEYS, where, problems)
    fid = data.get("id")
    stem = Path(name).stem
    if not isinstance(fid, str) or not SLUG_RE.fullmatch(fid):
        problems.append(f"{where}: field 'id' must be a slug like 'un-good-governance'")
    elif fid != stem:
        problems.append(f"{where}: field 'id' is {fid!r} but the file is named {stem!r}.toml; make them the same")
    applies = data.get("applies_to")
    if not isinstance(applies, list) or not applies or any(k not in KINDS_ASSESSED for k in applies):
        problems.append(f"{where}: field 'applies_to' must list the kinds it judges, from {', '.join(KINDS_ASSESSED)}, e.g. [\"cases\"]")
        applies = []
    url = data.get("source_url", "")
    if url and not (isinstance(url, str) and URL_RE.match(url)):
        problems.append(f"{where}: field 'source_url' must be a web address starting with http:// or https://")
    chapter = data.get("guide_chapter", "")
    if chapter and not (isinstance(chapter, str) and SLUG_RE.fullmatch(chapter)):
        problems.append(f"{where}: field 'guide_chapter' must be a chapter's slug, e.g. 'good-governance'")
    criteria = _criteria(data.get("criteria"), where, problems)
    framework = Framework(
        id=str(fid),
        title=_text(data, "title", where, problems, 200),
        short_title=_text(data, "short_title", where, problems, 60),
        summary=_text(data, "summary", where, problems),
        source=_text(data, "source", where, problems, 1000),
        applies_to=tuple(str(k) for k in applies),
        scale=_scale(data.get("scale"), where, problems),
        criteria=criteria,
        author=str(data.get("author", "")).strip(),
        source_url=str(url or ""),
        guide_chapter=str(chapter or ""),
        origin=origin or name,
        translations=_translations(data.get("translations"), criteria, where, problems),
    )
    if problems:
        raise ValidationError(problems)
    return framework


def read_framework(path: Path) -> Framework:
    """Read and check one framework file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError([f"{path}: cannot read the framework file ({exc})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError([f"{path}: is not valid TOML ({exc}); fix the line it names"]) from None
    return parse_framework(data, path.name, str(path))


def framework_folders() -> list[Path]:
    """The package's folder of frameworks, then each folder named in COMMONS_FRAMEWORKS."""
    own = Path(str(resources.files("registry.model").joinpath("frameworks")))
    extra = [Path(p) for p in os.environ.get(FOLDERS_ENV, "").split(os.pathsep) if p.strip()]
    return [own, *extra]


def load_frameworks() -> dict[str, Framework]:
    """Every framework by id, in the order listed: the package's, then the lab's, each folder sorted by file name."""
    return _load(tuple(str(p) for p in framework_folders()))


@cache
def _load(folders: tuple[str, ...]) -> dict[str, Framework]:
    found: dict[str, Framework] = {}
    problems: list[str] = []
    for number, folder in enumerate(map(Path, folders)):
        if not folder.is_dir():
            if number:  # the package's own folder always exists
                problems.append(f"{FOLDERS_ENV}: {folder} is not a folder; name a folder of framework files (.toml)")
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                framework = read_framework(path)
            except ValidationError as exc:
                problems.extend(exc.problems)
                continue
            if framework.id in found:
                problems.append(
                    f"{path}: id {framework.id!r} is already used by {found[framework.id].origin}; give the framework another id and file name"
                )
                continue
            found[framework.id] = framework
    if problems:
        raise ValidationError(problems)
    return found


def get_framework(framework_id: str) -> Framework:
    frameworks = load_frameworks()
    if framework_id not in frameworks:
        raise ValidationError(
            [f"unknown framework {framework_id!r}{suggest(framework_id, list(frameworks))}; `commons frameworks` lists them"]
        )
    return frameworks[framework_id]


class FrameworkChoices(Mapping[str, str]):
    """The frameworks as a field's choices (id to short title), read when first asked, so a lab's files count."""

    def _all(self) -> dict[str, str]:
        return {f.id: f.short_title for f in load_frameworks().values()}

    def __getitem__(self, key: str) -> str:
        return self._all()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def score_problems(framework: Framework, scores: Mapping[str, Mapping[str, Any]], who: str) -> list[str]:
    """What is wrong with an assessment's scores on a framework: unknown criteria, scores off the scale, scores without evidence."""
    problems = []
    for cid, entry in scores.items():
        if cid not in framework.criterion_ids:
            problems.append(
                f"{who}: field 'scores' does not fit the 'framework' {framework.id}: criterion {cid!r} is not one of its criteria"
                f"{suggest(cid, list(framework.criterion_ids))}; its criteria: {', '.join(framework.criterion_ids)}"
            )
            continue
        score = entry.get("score")
        if score == UNKNOWN:
            continue
        if not isinstance(score, int) or score not in framework.scale.points:
            problems.append(
                f"{who}: criterion {cid!r}: score {score!r} is off the scale; give a whole number from "
                f"{framework.scale.min} to {framework.scale.max} or {UNKNOWN!r}"
            )
        elif not entry.get("source"):
            problems.append(
                f"{who}: criterion {cid!r}: a score needs its evidence: give a source (a web address or a document), or score it {UNKNOWN!r}"
            )
        elif not entry.get("why"):
            problems.append(f"{who}: criterion {cid!r}: a score needs a short justification of why; give one, or score it {UNKNOWN!r}")
    return problems
