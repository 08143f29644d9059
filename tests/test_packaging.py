"""The installed project (Docker's `pip install .`, a user's wheel) holds every module and template
of the repository: setuptools' package list is explicit, so a new package left out of it would
import from a checkout and fail once installed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_holds_every_module_and_template(tmp_path):
    source = tmp_path / "source"  # a copy: setuptools' build/ folder in the checkout would keep old files
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for top in ("factory", "renderers", "html_templates"):
        shutil.copytree(ROOT / top, source / top, ignore=shutil.ignore_patterns("__pycache__"))
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(source)],
                           capture_output=True, text=True, timeout=300)  # fmt: skip
    assert build.returncode == 0, build.stderr[-2000:]
    (wheel,) = tmp_path.glob("render_factory-*.whl")
    held = set(zipfile.ZipFile(wheel).namelist())
    wanted = set()
    for top in ("factory", "renderers", "html_templates"):
        for path in (ROOT / top).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix in {".py", ".yaml", ".json", ".html", ".j2", ".css"}:
                wanted.add(path.relative_to(ROOT).as_posix())
    assert wanted, "no sources found"
    assert sorted(wanted - held) == []
