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
    from registry.site.generator import RecordsGenerator

    return RecordsGenerator


def get_writer(pelican: Any) -> Any:
    from registry.site.writer import SiteWriter

    return SiteWriter


def prepare_environment(generator: Any) -> None:
    """Install the build language's catalogue, the cached page chrome and the cached contribution forms."""
    from registry.site.forms import form_renderer
    from registry.site.i18n import page_chrome
    from registry.site.words import Words

    env = generator.env
    site = generator.settings["COMMONS_SITE"]
    catalogue = site.catalogue()
    env.site_translations = catalogue  # read by CompiledTranslations when templates compile
    env.install_gettext_translations(catalogue, newstyle=False)
    env.globals["chrome"] = page_chrome(env)
    env.globals["contribution_form"] = form_renderer(env, site, Words(catalogue, site.language))
    # Record pages use the macros as a global: an {% import %} in each page cost a tenth of its render time,
    # because Jinja compares the template globals on every import.
    env.globals["m"] = env.get_template("_macros.html").module


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.get_writer.connect(get_writer)
    signals.generator_init.connect(prepare_environment)
