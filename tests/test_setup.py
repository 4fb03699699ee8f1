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


def test_missing_or_corrupt_knowledge_database_stops_the_start_with_the_fix(tmp_path):
    import os
    import sys

    corrupt = tmp_path / "knowledge.db"
    corrupt.write_bytes(b"not a database" * 200)
    for url, expected in ((f"sqlite:///{tmp_path / 'absent.db'}", "not found: run `make knowledge`"),
                          (f"sqlite:///{corrupt}", "is unreadable (DatabaseError): run `make knowledge`")):
        result = subprocess.run([sys.executable, "-m", "bot"], cwd=ROOT, capture_output=True,
                                text=True, timeout=60, env={**os.environ, "KNOWLEDGE_DB_URL": url,
                                                            "VAR_DIR": str(tmp_path)})
        assert result.returncode == 2
        assert expected in result.stderr and "Traceback" not in result.stderr
    assert corrupt.read_bytes() == b"not a database" * 200


def test_a_rasa_version_other_than_the_pinned_one_stops_the_start(kb_url, monkeypatch):
    from importlib import metadata

    import bot.__main__ as launcher
    from bot.settings import Settings
    from bot.supervisor import StartupError

    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "3.6.20" if name == "rasa" else real(name))
    monkeypatch.setenv("KNOWLEDGE_DB_URL", kb_url)
    try:
        launcher.check_ready(Settings.from_env())
    except StartupError as error:
        message = str(error)
    else:
        message = ""
    assert message == ("rasa 3.6.20 is installed but the assistant was written for 3.6.21 "
                       "(requirements.txt): run `make setup`.")
