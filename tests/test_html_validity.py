"""Every page of the site, in every language, passes the current Nu HTML checker with no error.

The checker is vnu-jar from npm, run on Java; scripts/test.sh installs it into
.venv/node. It reads every HTML file the example build writes in five
languages (left to right and right to left), maps and redirects included, in
one run of the checker; the list below only makes sure every page type is
among them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import BuiltSite

ROOT = Path(__file__).resolve().parent.parent
VNU = Path(os.environ.get("VNU_JAR", ROOT / ".venv" / "node" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"))
JAVA = shutil.which("java")

pytestmark = pytest.mark.skipif(
    not (VNU.is_file() and JAVA) and not os.environ.get("CI"),
    reason="the Nu HTML checker needs java and vnu-jar (scripts/test.sh installs it)",
)

PAGES = (
    "index.html",
    "assets/index.html",
    "assets/status/recognised/index.html",
    "assets/status/index.html",
    "assets/nap-asilo/index.html",
    "actors/index.html",
    "agreements/index.html",
    "agreements/agr-bcn-la-borda-leasehold/index.html",
    "cases/index.html",
    "cases/policy-area/housing/index.html",
    "guide/index.html",
    "guide/levels-of-co-production/index.html",
    "guide/case-studies/index.html",
    "guide/drafting-an-agreement/index.html",
    "guide/glossary/index.html",
    "guide/running-a-commons-registry/index.html",
    "about/index.html",
    "map/index.html",
    "map/overview.html",
    "map/record.html",
    "map/cases.html",
    "data/index.html",
    "feeds/index.html",
    "search/index.html",
    "actors/city/wrocaw/index.html",  # a redirect from the address older versions gave Wrocław
)


def test_every_page_in_every_language_has_no_html_error(multilingual_site: BuiltSite) -> None:
    assert VNU.is_file() and JAVA, "CI must run the Nu HTML checker: install java and vnu-jar (scripts/test.sh)"
    actor = next((multilingual_site.output / "actors").glob("*/index.html")).relative_to(multilingual_site.output).as_posix()
    expected = [multilingual_site.output / prefix / page for prefix in ("", "ar", "fr") for page in (*PAGES, actor)]
    missing = [str(f) for f in expected if not f.is_file()]
    assert missing == []
    files = sorted(multilingual_site.output.rglob("*.html"))
    assert len(files) > 5 * 200
    done = subprocess.run([JAVA, "-jar", str(VNU), "--errors-only", "--format", "json", *map(str, files)], capture_output=True, text=True)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    errors = [
        f"{m.get('url', '').rsplit('/output/', 1)[-1]}:{m.get('lastLine')}: {m.get('message')}"
        for m in messages
        if m.get("type") == "error"
    ]
    assert errors == []
