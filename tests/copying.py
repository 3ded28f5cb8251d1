"""Finding text copied from the guidebook: runs of twelve words, compared as hashes so the tests hold no guidebook text.

Text is folded before it is cut into runs (lowercase, letters and digits
only, typographic quotes and dashes gone), so a copied sentence is found
whatever its punctuation or Markdown. A chapter's marked quotations are left
out: block quotes, text between quotation marks, and its References section,
whose entries are the guidebook's own citations and must stay exact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

RUN = 12
HASH_CHARS = 16

WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
QUOTED_RE = re.compile(r"“[^”]*”|\"[^\"\n]*\"|«[^»]*»")
REFERENCES_RE = re.compile(r"^#{2,3} (References|Sources)\s*$.*?(?=^#{1,2} |\Z)", re.M | re.S)
FRONT_MATTER_RE = re.compile(r"\A(?:[A-Z][\w-]*: .*\n)+\n")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD_RE.findall(text)]


def run_hashes(text: str) -> Iterator[tuple[str, str]]:
    """Each run of twelve words in the text, with its hash."""
    found = words(text)
    for start in range(len(found) - RUN + 1):
        run = " ".join(found[start : start + RUN])
        yield hashlib.sha256(run.encode("utf-8")).hexdigest()[:HASH_CHARS], run


def unquoted(markdown: str) -> str:
    """A chapter's own prose: its front matter, block quotes, quoted text and references taken out."""
    text = FRONT_MATTER_RE.sub("", markdown)
    text = REFERENCES_RE.sub("", text)
    text = "\n".join("" if line.lstrip().startswith(">") else line for line in text.splitlines())
    return QUOTED_RE.sub(" ", text)
