"""Setup stops with one clear sentence when no Python 3.10 exists."""
from __future__ import annotations

import shutil
import subprocess

from bot.settings import ROOT


def test_setup_without_python_310_says_what_to_install(tmp_path):
    for name in ("Makefile", "requirements.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    result = subprocess.run(
        [shutil.which("make"), "setup"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": str(empty_path), "HOME": str(tmp_path)}, timeout=60,
    )
    assert result.returncode != 0
    assert result.stdout.strip().splitlines()[-1] == (
        "No Python 3.10 found: install Python 3.10 (e.g. 'pyenv install 3.10.13' or "
        "'apt install python3.10 python3.10-venv') and run make again."
    )
    assert not (tmp_path / ".venv").exists()
