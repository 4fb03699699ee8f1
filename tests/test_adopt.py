"""Promoted questions wait under VAR_DIR and reach the training data only by `make adopt-promoted`."""
from __future__ import annotations

import yaml

from bot.review import promote
from bot.review.__main__ import adopt, main as review_cli
from bot.settings import Settings


def test_promoted_questions_are_kept_under_var_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMOTE_FILE")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert Settings.from_env().promote_file == tmp_path / "promoted.yml"


def test_adopt_copies_each_question_once_into_the_training_data(tmp_path, monkeypatch):
    settings = Settings.from_env()
    promote.promote(settings.promote_file, "c koi le tarif {pour} moi ?", "ask_cost")
    promote.promote(settings.promote_file, "on peut venir en VAE ?", "ask_vae")
    target = tmp_path / "data" / "promoted.yml"
    promote.promote(target, "on peut venir en VAE ?", "ask_vae")  # adopted earlier

    assert adopt(settings, target).startswith("1 promoted question(s) added to")
    assert adopt(settings, target).startswith("0 promoted question(s)")
    document = yaml.safe_load(target.read_text("utf-8"))
    examples = {block["intent"]: block["examples"] for block in document["nlu"]}
    assert examples == {"ask_cost": "- c koi le tarif pour moi ?\n", "ask_vae": "- on peut venir en VAE ?\n"}
    assert settings.promote_file.is_file()  # the record of what staff promoted stays


def test_adopt_from_the_command_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("bot.review.__main__.ADOPTED", tmp_path / "promoted.yml")
    assert review_cli(["adopt"]) == 0
    assert "0 promoted question(s) added" in capsys.readouterr().out
