"""Build settings, and the Pelican settings derived from them.

One dataclass says what a build needs (where things are, which URLs to link); `pelican_settings` turns it into
the override dict Pelican runs with, so the CLI, build.py and the tests configure a build the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from registry.model.contributions import DEFAULT_REVIEW_DAYS, REVIEW_DAYS
from registry.model.errors import ValidationError
from registry.model.kinds import KINDS
from registry.model.values import EMAIL_RE, URL_RE
from registry.site.build_state import BuildState
from registry.site.languages import catalogue_digest, language, open_graph_locale
from registry.site.languages import translations as catalogue_for
from registry.site.pagination import ROWS_PER_PAGE

T = TypeVar("T")

DEFAULT_TILES_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_TILES_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
PLUGIN = "registry.site.plugin"

# Where the intake service takes a contribution posted from a form, below its address.
INTAKE_PATH = "contributions"

# Guidebook chapters that explain the typology shown on case pages; linked when present.
GUIDE_LINKS = {
    "levels": "levels-of-co-production",
    "matrix": "design-and-delivery",
    "scenarios": "what-is-co-production",
    "phases": "starting-co-production",
    "registry": "running-a-commons-registry",
}


def project_root() -> Path:
    """The folder holding theme/ and content/: the checkout this package runs from, else the current folder."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "theme").is_dir() and (checkout / "content").is_dir():
        return checkout
    return Path.cwd()


def build_date() -> dt.date:
    """The date the build treats as today: SOURCE_DATE_EPOCH when set, so builds can be reproduced later."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date()
    return dt.date.today()


def _no_progress(items: Iterable[T], length: int, label: str) -> Iterator[T]:
    yield from items


Progress = Callable[[Iterable[Any], int, str], Iterator[Any]]


def web_address(value: str, option: str) -> str:
    """An address the site links to or loads from: only http or https, since it reaches every page."""
    if not URL_RE.match(value.strip()):
        raise ValidationError([f"{option} {value!r} is not a web address: give one that starts with https:// (or http://)"])
    return value.strip()


def _public_email(value: str) -> str:
    """The lab's public e-mail address, as every catalogue and page will show it: one address, nothing around it."""
    if not EMAIL_RE.match(value.strip()):
        raise ValidationError([f"--contact-email {value!r} is not an e-mail address: give the lab's public one, e.g. commons@city.example"])
    return value.strip()


def _intake_address(value: str) -> str:
    """The intake service's address, which the forms post to with `contributions` added: a base address, no query or fragment."""
    address = web_address(value, "--intake-url")
    if "?" in address or "#" in address:
        raise ValidationError(
            [f"--intake-url {value!r} has a query or fragment: give the service's address alone, e.g. https://intake.example.org/"]
        )
    return address.rstrip("/") + "/"


def _review_days(value: int) -> int:
    """How long staff usually take to review a contribution, as the contributor's page promises it."""
    if isinstance(value, bool) or not isinstance(value, int) or not REVIEW_DAYS[0] <= value <= REVIEW_DAYS[1]:
        raise ValidationError(
            [
                f"--review-days {value!r} is not a number of days from {REVIEW_DAYS[0]} to {REVIEW_DAYS[1]}: give how long review usually takes, e.g. 14"
            ]
        )
    return value


def _attribution(text: str) -> str:
    """The tiles' credit line, which the map shows as HTML: plain text and http(s) links only."""
    import nh3

    return str(nh3.clean(text, tags={"a"}, attributes={"a": {"href"}}, url_schemes={"http", "https"}, link_rel="noopener noreferrer"))


@dataclass
class SiteSettings:
    """Everything a build needs besides the registry: paths, public URLs and presentation."""

    output: Path
    content: Path = field(default_factory=lambda: project_root() / "content")
    theme: Path = field(default_factory=lambda: project_root() / "theme")
    cache: Path | None = None
    site_name: str = "Commons Lab"
    site_url: str | None = None
    datasette_url: str | None = None
    contact_email: str | None = None  # the lab's public address: for portals that ask whom to write to, and the forms' e-mail
    intake_url: str | None = None  # the intake service's address: with it the forms post there instead of preparing an e-mail
    review_days: int = DEFAULT_REVIEW_DAYS  # how long staff usually take to review a contribution, as the contributor's page says
    datasette_database: str = "public"
    tiles_url: str = DEFAULT_TILES_URL
    tiles_attribution: str = DEFAULT_TILES_ATTRIBUTION
    language: str = "en"  # the language this build writes
    direction: str = "ltr"  # derived from the language
    languages: tuple[str, ...] = ()  # every language of the site, the default (at the root) first
    locale: Path = field(default_factory=lambda: project_root() / "locale")
    root: Path | None = None  # the whole site's folder; other languages are built into root/<code>/
    root_url: str | None = None  # the whole site's public address; site_url is this language's
    today: dt.date = field(default_factory=build_date)
    search: bool = True
    maps: bool = True
    rows_per_page: int = ROWS_PER_PAGE  # how many records a list page shows; longer lists get numbered pages
    workers: int = 0
    force: bool = False
    progress: Progress = _no_progress

    @property
    def cache_dir(self) -> Path:
        """Where a build keeps what it needs to know next time: beside the output, so the site stays as a clean build makes it."""
        return Path(self.cache or self.output.parent / "cache" / self.output.name)

    def __post_init__(self) -> None:
        self.output = Path(self.output).resolve()
        self.content = Path(self.content).resolve()
        self.theme = Path(self.theme).resolve()
        self.cache = Path(self.cache or self.output.parent / "cache" / self.output.name).resolve()
        self.root = Path(self.root or self.output).resolve()
        self.locale = Path(self.locale).resolve()
        self.languages = tuple(self.languages) or (self.language,)
        self.direction = language(self.language).direction
        if self.workers <= 0:
            from registry.site.output import default_workers

            self.workers = default_workers()
        self.root_url = self.root_url or self.site_url
        for name, option in (("site_url", "--site-url"), ("root_url", "--site-url"), ("datasette_url", "--datasette-url")):
            value = getattr(self, name)
            if value:
                setattr(self, name, web_address(value, option).rstrip("/") + "/")
        if self.contact_email is not None:
            self.contact_email = _public_email(self.contact_email)
        if self.intake_url:
            self.intake_url = _intake_address(self.intake_url)
        self.review_days = _review_days(self.review_days)
        self.tiles_url = web_address(self.tiles_url, "--tiles-url")
        self.tiles_attribution = _attribution(self.tiles_attribution)

    @property
    def takes_contributions(self) -> bool:
        """Whether the pages carry contribution forms: they need somewhere to send them, an e-mail address or the intake."""
        return bool(self.contact_email or self.intake_url)

    @property
    def intake_action(self) -> str | None:
        """Where the forms post a contribution when the site has an intake service."""
        return f"{self.intake_url}{INTAKE_PATH}" if self.intake_url else None

    @property
    def data_dir(self) -> Path:
        """Where the public copy and its downloads go: inside the site, once for every language."""
        return Path(self.root or self.output) / "data"

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def to_site_root(self) -> str:
        """The way from this language's root to the site's: the default language is at the root, others one folder down."""
        return "" if self.language == self.default_language else "../"

    def alternates(self) -> list[tuple[str, str]]:
        """Each language of the site with the way to its pages from this language's root (absolute with a public address)."""
        base = self.root_url if self.root_url else self.to_site_root
        return [(code, f"{base}{self.prefix(code)}") for code in self.languages]

    def prefix(self, code: str) -> str:
        """Where a language's pages are, from the site's root."""
        return "" if code == self.default_language else f"{code}/"

    def catalogue(self) -> gettext.NullTranslations:
        return catalogue_for(self.locale, self.language)

    def for_language(self, code: str) -> SiteSettings:
        """The same build in another language of the site: its own folder (but the default's) and cache."""
        root = Path(self.root or self.output)
        default = code == self.default_language
        return replace(
            self,
            language=code,
            output=root if default else root / code,
            root=root,
            site_url=f"{self.root_url}{self.prefix(code)}" if self.root_url else None,
            root_url=self.root_url,
            cache=self.cache_dir if default else self.cache_dir / "languages" / code,
        )

    @property
    def public_db(self) -> Path:
        return self.data_dir / "public.db"

    def fingerprint(self) -> dict[str, Any]:
        """The settings that change what pages say; a change re-renders every page."""
        return {
            "site_name": self.site_name,
            "site_url": self.site_url,
            "datasette_url": self.datasette_url,
            "contact_email": self.contact_email,
            "intake_url": self.intake_url,
            "review_days": self.review_days,
            "datasette_database": self.datasette_database,
            "tiles_url": self.tiles_url,
            "language": self.language,
            "languages": self.languages,
            "catalogue": catalogue_digest(self.locale, self.language),
            "search": self.search,
        }


def _bytecode_folder(cache: Path, site: SiteSettings) -> Path:
    """Compiled templates hold their translated strings, so each language and catalogue has its own folder."""
    folder = cache / "jinja" / f"{site.language}-{catalogue_digest(site.locale, site.language)}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# The blog machinery Pelican offers is not part of this site.
NO_BLOG: dict[str, Any] = {
    "DIRECT_TEMPLATES": [],
    "PAGINATED_TEMPLATES": {},
    "ARCHIVES_SAVE_AS": "",
    "AUTHOR_SAVE_AS": "",
    "AUTHORS_SAVE_AS": "",
    "CATEGORY_SAVE_AS": "",
    "CATEGORIES_SAVE_AS": "",
    "TAG_SAVE_AS": "",
    "TAGS_SAVE_AS": "",
    "DRAFT_PAGE_SAVE_AS": "",
    "FEED_ALL_ATOM": None,
    "FEED_ALL_RSS": None,
    "CATEGORY_FEED_ATOM": None,
    "CATEGORY_FEED_RSS": None,
    "AUTHOR_FEED_ATOM": None,
    "AUTHOR_FEED_RSS": None,
    "TRANSLATION_FEED_ATOM": None,
    "TRANSLATION_FEED_RSS": None,
    "TAG_FEED_ATOM": None,
    "TAG_FEED_RSS": None,
    "FEED_ATOM": None,
    "FEED_RSS": None,
}


def pelican_settings(site: SiteSettings, state: BuildState) -> dict[str, Any]:
    """The override dict for `read_settings`: our theme, content layout, relative URLs, and no blog parts."""
    cache = site.cache_dir
    return {
        "PATH": str(site.content),
        "THEME": str(site.theme),
        "OUTPUT_PATH": str(site.output),
        "CACHE_PATH": str(cache / "pelican"),
        "PLUGINS": [PLUGIN],
        "PLUGIN_PATHS": [],
        "SITENAME": site.site_name,
        "SITEURL": "",
        "RELATIVE_URLS": True,
        "TIMEZONE": "UTC",
        "DEFAULT_LANG": site.language,
        # Chapters are Markdown; docutils would only warn that it has no words for some of our languages.
        "DOCUTILS_SETTINGS": {"language_code": "en"},
        "DEFAULT_DATE_FORMAT": "%Y-%m-%d",
        "DELETE_OUTPUT_DIRECTORY": False,
        # Chapters are parsed again only when their file changes.
        "CACHE_CONTENT": True,
        "LOAD_CONTENT_CACHE": True,
        "CONTENT_CACHING_LAYER": "reader",
        "CHECK_MODIFIED_METHOD": "md5",
        # Chapters live in content/guide, other pages in content/pages; the folder says where they go.
        "ARTICLE_PATHS": [],
        "PAGE_PATHS": ["guide", "pages"],
        "STATIC_PATHS": [],
        "EXTRA_PATH_METADATA": {
            "guide": {"section": "guide/", "template": "chapter"},
            "pages": {"section": ""},
        },
        "PAGE_URL": "{section}{slug}/",
        "PAGE_SAVE_AS": "{section}{slug}/index.html",
        "PAGE_ORDER_BY": "basename",
        "THEME_STATIC_DIR": "theme",
        "THEME_STATIC_PATHS": ["static"],
        **NO_BLOG,
        "MARKDOWN": {
            "extension_configs": {
                "markdown.extensions.extra": {},
                "markdown.extensions.toc": {},
                "markdown.extensions.smarty": {},
            },
            "output_format": "html5",
        },
        **_jinja_settings(site, cache),
        "COMMONS_SITE": site,
        "COMMONS_STATE": state,
    }


def _jinja_settings(site: SiteSettings, cache: Path) -> dict[str, Any]:
    """Templates: trimmed blocks, autoescaping, gettext compiled in, our filters, and the globals every page reads."""
    from jinja2 import FileSystemBytecodeCache

    from registry.site.jsonld import script_json
    from registry.site.page_meta import meta_description
    from registry.site.sanitise import markdown_html, safe_url
    from registry.site.words import local_date, local_number

    catalogue = site.catalogue()
    return {
        "JINJA_ENVIRONMENT": {
            "trim_blocks": True,
            "lstrip_blocks": True,
            "autoescape": True,
            "auto_reload": False,
            "extensions": ["registry.site.i18n.CompiledTranslations"],
            # Compiling the templates cost half a second of every rebuild; Jinja keys
            # the cached code by each template's source, so an edited template recompiles.
            "bytecode_cache": FileSystemBytecodeCache(str(_bytecode_folder(cache, site))),
        },
        "JINJA_FILTERS": {
            "markdown": markdown_html,
            "safe_url": safe_url,
            "script_json": script_json,
            "meta_description": meta_description,
            "date": functools.partial(local_date, code=site.language),
            "number": functools.partial(local_number, code=site.language),
        },
        "JINJA_GLOBALS": {
            "SITENAME": site.site_name,
            "SITE_LANG": site.language,
            "SITE_DIR": site.direction,
            "DATASETTE_URL": site.datasette_url,
            "SEARCH_ENABLED": site.search,
            # Whether pages carry the forms that send a contribution (registry/site/forms.py renders them).
            "CONTRIBUTIONS_OPEN": site.takes_contributions,
            # The menu entry of every kind, in the kinds' order, in the site's language.
            "KIND_MENU": [(kind.name, catalogue.gettext(kind.menu or kind.plural_title)) for kind in KINDS.values()],
            # Every language of the site, for the language switcher and the hreflang alternates of each page.
            "LANGUAGES": [
                {
                    "code": code,
                    "name": language(code).name,
                    "inline": language(code).inline,
                    "dir": language(code).direction,
                    "prefix": site.prefix(code),
                    "og_locale": open_graph_locale(code),
                }
                for code in site.languages
            ],
            "DEFAULT_LANG": site.default_language,
            "TO_SITE_ROOT": site.to_site_root,
            "SITE_URL": site.root_url,
            # This language's public address, for canonical links and og:url; None without --site-url, and then neither is written.
            "LANGUAGE_URL": site.site_url,
        },
    }
