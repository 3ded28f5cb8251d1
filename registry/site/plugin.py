"""The Pelican plugin that joins the registry to the guidebook: our generator, our writer, gettext.

Pelican loads it by name from PLUGINS; `register` connects module-level
functions to Pelican's signals and keeps no state, so several builds in one
process do not interfere.
"""

from __future__ import annotations

from typing import Any

from pelican import signals


def get_generators(pelican: Any) -> Any:
    """Add the record pages generator; it runs after the pages generator, so chapters are known."""
    from .generator import RecordsGenerator

    return RecordsGenerator


def get_writer(pelican: Any) -> Any:
    from .writer import SiteWriter

    return SiteWriter


def install_translations(generator: Any) -> None:
    """Every template string goes through gettext; until catalogues exist, strings pass through unchanged."""
    from .settings import translations

    catalogue = translations(generator.settings.get("DEFAULT_LANG", "en"))
    generator.env.site_translations = catalogue  # read by CompiledTranslations when templates compile
    generator.env.install_gettext_translations(catalogue, newstyle=False)


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.get_writer.connect(get_writer)
    signals.generator_init.connect(install_translations)
