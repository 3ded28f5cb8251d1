"""The package stays easy to read: small modules and functions, and no code that branches on a kind's name.

The layering itself (imports only run downward, no circles) is checked by
`lint-imports` in scripts/test.sh, from the contracts in pyproject.toml.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "registry"
MODULE_LINES = 400
FUNCTION_LINES = 60


def sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_is_over_400_lines() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in sources() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MODULE_LINES}
    assert long == {}, f"split these modules by responsibility: {long}"


def test_no_function_is_over_60_lines() -> None:
    long = {}
    for path in sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES:
                    long[f"{path.relative_to(PACKAGE)}:{node.lineno} {node.name}"] = length
    assert long == {}, f"split these functions: {long}"


def test_code_asks_the_kind_declarations_instead_of_branching_on_a_kind_name() -> None:
    branching = re.compile(r"""\bkind(?:\.name|_name)?\s*[!=]=\s*["'](?:assets|actors|agreements|cases)["']""")
    found = [
        f"{path.relative_to(PACKAGE)}:{n}: {line.strip()}"
        for path in sources()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if branching.search(line)
    ]
    templates = Path(__file__).resolve().parent.parent / "theme" / "templates"
    found += [
        f"{path.name}:{n}: {line.strip()}"
        for path in sorted(templates.glob("*.html"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if branching.search(line)
    ]
    assert found == [], "ask the kind's declaration (registry/model/kinds.py) instead:\n" + "\n".join(found)
