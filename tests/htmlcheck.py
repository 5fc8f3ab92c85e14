"""The Nu HTML Checker (vnu, pinned in package.json; `make test` runs `npm ci`) over pages the
tests rendered. Skipped without Java and vnu, except under CI=true, where that fails."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def checker() -> list[str]:
    """The command that runs the checker; skips (or fails under CI) when it cannot run."""
    java = shutil.which("java")
    if java and VNU.exists():
        return [java, "-jar", str(VNU)]
    message = "the Nu HTML Checker needs Java and 'npm ci' (node_modules/vnu-jar)"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def html_errors(pages: dict, folder: Path) -> list[str]:
    """The checker's errors for `pages` (name: HTML bytes or a response), as "name.html:line:
    message"; an empty list when every page is valid."""
    files = []
    for name, page in pages.items():
        path = folder / f"{name}.html"
        path.write_bytes(getattr(page, "content", page))
        files.append(str(path))
    result = subprocess.run(
        [*checker(), "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in json.loads(result.stdout)["messages"]
        if m["type"] == "error"
    ]
