"""Record text without Markdown syntax skips Python-Markdown; the HTML must be exactly what Markdown and the sanitiser make.

`markdown_html` renders plain paragraphs itself (registry/site/sanitise.py
`plain_paragraphs`). Every test here compares it with the full path (Python-Markdown,
headings lowered, nh3) on fixed edge cases and on generated text, and checks that
ordinary prose does take the fast path, so the speed-up cannot silently vanish.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from registry.site.sanitise import clean_html, full_markdown_html, markdown_html, plain_paragraphs

FUZZ = settings(
    max_examples=int(os.environ.get("FAST_PATH_EXAMPLES", "1500")),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Pieces that matter to Markdown, the whitespace normaliser, HTML entities or the sanitiser, and ordinary text.
PIECES = [
    "commons",
    "Assemblea",
    "garden",
    " ",
    "  ",
    "   ",
    "    ",
    "\n",
    "\n\n",
    "\n\n\n",
    "\r",
    "\r\n",
    "\t",
    "&",
    "& ",
    "AT&T",
    "&amp;",
    "&amp",
    "&#169;",
    "&#x41;",
    "&copy;",
    "&nbsp;",
    "&;",
    "&#",
    '"',
    "'",
    "<",
    ">",
    "<b>",
    "</p>",
    "<script>alert(1)</script>",
    "<!-- c -->",
    "<https://example.org>",
    "<a@b.org>",
    "1.",
    "1. ",
    "12. ",
    "1)",
    "2019",
    "٣. ",
    "3.14",
    "-",
    "- ",
    "--",
    "---",
    "+ ",
    "* ",
    "*",
    "_",
    "__",
    "#",
    "# ",
    "###",
    ">",
    "> ",
    "=",
    "===",
    "|",
    "| a | b |",
    "`",
    "\\",
    "[",
    "]",
    "[x](http://x.org)",
    "!",
    "(",
    ")",
    ":",
    ";",
    "~",
    "^",
    "{",
    "}",
    "%",
    "€",
    ".",
    ",",
    "é",
    "e\u0301",
    "ß",
    "İ",
    "\u212a",
    "ſ",
    "日本語",
    "😀",
    "שלום עולם",
    "مرحبا بالعالم",
    "\u200f",
    "\u200e",
    "\u202e",
    "\u2066",
    "\u00a0",
    "\u2028",
    "\u2029",
    "\u3000",
    "\u0085",
    "\u000b",
    "\u000c",
    "\u001c",
    "\u0000",
    "\u0002",
    "\u0003",
    "\u007f",
    "\u0080",
    "\ufeff",
    "\ufffd",
    "\ufdd0",
    "\U0001ffff",
]

pieces = st.lists(st.sampled_from(PIECES), max_size=30).map("".join)
words = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(alphabet=st.characters(exclude_categories=["Cs"]), min_size=1, max_size=4)),
    max_size=25,
).map("".join)
any_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=60)
# Prose pieces, mostly ones Markdown leaves alone, so that most examples exercise the fast path itself.
PROSE = ["commons", "garden", "Assemblea", " ", "\n", "\n\n", "\n\n\n", "&", "& ", "AT&T", '"', "'", ".", ",", "1", "2019", "-"]
PROSE += ["(", ")", ":", ";", "%", "€", "é", "e\u0301", "日本語", "😀", "שלום עולם", "مرحبا", "\u200f", "\u202e", "\u2028", "\u0085"]
prose = st.lists(st.one_of(st.sampled_from(PROSE), st.sampled_from(PROSE), st.sampled_from(PIECES)), max_size=30).map("".join)
# Many lines of prose-like text: where leading digits, dashes and blank lines meet line starts.
STARTS = [
    "",
    " ",
    "1. ",
    "1.",
    "1) ",
    "12.5 ",
    "2019 ",
    "- ",
    "-- ",
    "-",
    "# ",
    "#",
    "> ",
    "= ",
    "==",
    "+",
    "&",
    "&x",
    "\u00a0",
    "\t",
    "    ",
]
lines = st.lists(
    st.tuples(
        st.one_of(st.just(""), st.sampled_from(STARTS)),
        st.lists(
            st.sampled_from(["commons", "garden", "&", "AT&T", '"q"', "'s", "é", "שלום", "مرحبا", " ", "  ", ".", "-"]), max_size=6
        ).map("".join),
        st.one_of(st.just(""), st.sampled_from([" ", "  ", "\u00a0", "\t"])),
    ).map("".join),
    max_size=8,
).map("\n".join)


def full(text: str) -> str:
    return full_markdown_html(text) if text else ""


def check(text: str) -> None:
    fast = plain_paragraphs(text) if text else None
    if fast is not None:
        assert fast == full(text), repr(text)
        assert clean_html(fast) == fast, repr(text)
    assert str(markdown_html(text)) == full(text), repr(text)


EDGE_CASES = [
    "",
    "a",
    "\n",
    "\n\n",
    "\n\na\n\n",
    "One line.",
    "Two\nlines.",
    "Two\n\nparagraphs.",
    "Three\n\n\n\nblank lines.",
    "Arts & Crafts, AT&T, &amp and &",
    "Rock &amp; roll",
    "&copy; 2020",
    "&#169; and &#xA9;",
    "She said \"yes\" and 'no'",
    "1 < 2 and 3 > 2",
    "<b>bold</b>",
    "1. first\n2. second",
    "1) first",
    "2019 was a year.",
    "Line\n2019. A year",
    "- item",
    "-- not a list",
    "Title\n---",
    "Title\n===",
    "# Heading",
    "Use #hashtags",
    "> quote",
    "a  \nb",
    "a \nb",
    "a\u00a0b",
    "    code",
    "\tcode",
    "a\r\nb",
    "a\rb",
    "שלום עולם. מרכז קהילתי.",
    "مرحبا بالعالم\n\nحديقة مجتمعية",
    "\u202eevil\u202c",
    "Ünïcödé ☕ 日本語 😀",
    "a\x85b",
    "a\u2028b",
    "a\x02b\x03c",
    "e=mc2",
    "x = y",
    "a|b",
    "snake_case and *stars*",
    "back\\slash",
    "[link](http://example.org)",
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_match_markdown(text: str) -> None:
    check(text)


@FUZZ
@given(pieces)
@example("Plain & simple\n\n\n1 2 3")
def test_pieces_match_markdown(text: str) -> None:
    check(text)


@FUZZ
@given(words)
def test_mixed_text_matches_markdown(text: str) -> None:
    check(text)


@FUZZ
@given(any_text)
def test_any_text_matches_markdown(text: str) -> None:
    check(text)


@FUZZ
@given(prose)
def test_prose_matches_markdown(text: str) -> None:
    check(text)


@FUZZ
@given(lines)
def test_line_starts_match_markdown(text: str) -> None:
    check(text)


@pytest.mark.parametrize(
    "text",
    [
        "Community garden cooperative assembly municipal building.",
        "Assembly of residents, since 2012; civic use (resolution 400/2015).\nSecond line: 50% of costs.",
        "Arts & crafts workshop.\n\nA second paragraph with \"quotes\" and 'apostrophes'.",
        "2019 was the year it opened.",
        "שלום עולם. מרכז קהילתי.",
        "مرحبا بالعالم",
        "Ünïcödé ☕ 日本語 😀",
    ],
)
def test_ordinary_prose_takes_the_fast_path(text: str) -> None:
    assert plain_paragraphs(text) is not None
    check(text)


def test_generated_prose_takes_the_fast_path() -> None:
    """Text like benchmarks/synthetic.py's descriptions, with punctuation, ampersands and paragraphs."""
    import random

    vocabulary = [
        "community",
        "garden",
        "cooperative",
        "assembly",
        "municipal",
        "building",
        "civic",
        "use",
        "&",
        "(2012)",
        "50%",
        "“quoted”",
        "l'uso",
    ]
    rng = random.Random(3)
    for _ in range(300):
        paragraphs = [" ".join(rng.choices(vocabulary, k=rng.randint(5, 60))).capitalize() + "." for _ in range(rng.randint(1, 3))]
        text = "\n\n".join(paragraphs)
        assert plain_paragraphs(text) is not None, text
        check(text)
