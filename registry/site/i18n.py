"""Gettext for templates, translated when a template is compiled rather than each time a page renders;
and the shared page chrome, rendered once per place in the site.

A build renders thousands of pages in one language, so calling gettext for
every "Kind" or "Sources" on every page is waste (it was half the render time
at 10k records). This extension of Jinja's i18n extension looks up literal
strings once, at compile time: `_("Sources")` and `{% trans %}` blocks without
plurals become constants. Plurals and `_(variable)` still call gettext at render
time. Message extraction (babel) sees the same `_()` and `{% trans %}` as usual.
"""

from __future__ import annotations

import functools
import gettext
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from jinja2 import nodes
from jinja2.ext import InternationalizationExtension
from jinja2.lexer import Token
from markupsafe import Markup


class CompiledTranslations(InternationalizationExtension):
    """Jinja's i18n extension with literal messages translated once per compile."""

    def _catalogue(self) -> gettext.NullTranslations:
        found = getattr(self.environment, "site_translations", None)
        return found if found is not None else gettext.NullTranslations()

    def filter_stream(self, stream: Any) -> Iterator[Token]:
        """Replace `_("literal")` with the translated literal, so the compiler can inline it."""
        catalogue = self._catalogue()
        window: list[Token] = []
        for token in _tokens(stream):
            window.append(token)
            if (
                len(window) >= 4
                and window[-4].type == "name"
                and window[-4].value == "_"
                and window[-3].type == "lparen"
                and window[-2].type == "string"
                and window[-1].type == "rparen"
                and not (len(window) >= 5 and window[-5].type == "dot")
            ):
                first, text = window[-4], window[-2].value
                del window[-4:]
                window.append(Token(first.lineno, "string", catalogue.gettext(text)))
            while len(window) > 4:
                yield window.pop(0)
        yield from window

    def _make_node(
        self,
        singular: str,
        plural: str | None,
        context: str | None,
        variables: dict[str, nodes.Expr],
        plural_expr: nodes.Expr | None,
        vars_referenced: bool,
        num_called_num: bool,
    ) -> nodes.Output:
        """A `{% trans %}` block without plural forms becomes a constant (with its variables filled in at render)."""
        if plural_expr is not None or context is not None or self.environment.newstyle_gettext:  # type: ignore[attr-defined]
            return super()._make_node(singular, plural, context, variables, plural_expr, vars_referenced, num_called_num)
        if not vars_referenced:
            singular = singular.replace("%%", "%")
        node: nodes.Expr = nodes.MarkSafeIfAutoescape(nodes.Const(self._catalogue().gettext(singular)))
        if variables:
            node = nodes.Mod(node, nodes.Dict([nodes.Pair(nodes.Const(key), value) for key, value in variables.items()]))
        return nodes.Output([node])


def _tokens(stream: Iterable[Token]) -> Iterator[Token]:
    yield from stream


def page_chrome(env: Any) -> Callable[[str, str, str, bool], Markup]:
    """The header and footer every page shares, rendered once per place in the site and reused.

    They hold a dozen links each; rendering them for each of 10k pages was a
    tenth of the render time. What varies is only the way to the root, the
    section and whether the page is the section's index.
    """

    @functools.lru_cache(maxsize=512)
    def chrome(part: str, root: str, section: str, current: bool) -> Markup:
        return Markup(env.get_template(f"_{part}.html").render(root=root, section=section, current=current))

    return chrome
