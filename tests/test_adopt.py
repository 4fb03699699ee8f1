"""Promoted questions wait under VAR_DIR and reach the training data only by `make adopt-promoted`."""
from __future__ import annotations

import datetime

from rasa.shared.nlu.training_data.loading import load_data

from bot.review import promote
from bot.review.__main__ import adopt, main as review_cli
from bot.settings import Settings

WHEN = datetime.datetime(2026, 12, 1, 10, 12, 3)
EARLIER = datetime.datetime(2026, 11, 2, 9, 0, 0)


def test_promoted_questions_are_kept_under_var_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("PROMOTE_FILE")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    assert Settings.from_env().promote_file == tmp_path / "promoted.yml"


def test_adopt_copies_each_question_once_into_the_training_data(tmp_path, monkeypatch):
    settings = Settings.from_env()
    promote.teach(settings.promote_file, [("c koi le tarif {pour} moi ?", 12)], "ask_cost", "Marie", WHEN)
    promote.teach(settings.promote_file, [("on peut venir en VAE ?", 13)], "ask_vae", "Marie", WHEN)
    target = tmp_path / "data" / "promoted.yml"
    promote.teach(target, [("on peut venir en VAE ?", None)], "ask_vae", "Paul", EARLIER)  # adopted earlier

    assert adopt(settings, target) == (f"1 promoted question(s) added to {target}: review them, then `make train`")
    assert adopt(settings, target).startswith("0 promoted question(s)")
    # Who taught and when are kept; the review log's row (about a visitor, purged) is not.
    assert target.read_text("utf-8") == promote.HEADER + """version: '3.1'
nlu:
- intent: ask_cost
  examples:
  - text: c koi le tarif pour moi ?
    metadata:
      author: Marie
      taught_at: '2026-12-01T10:12:03Z'
- intent: ask_vae
  examples:
  - text: on peut venir en VAE ?
    metadata:
      author: Paul
      taught_at: '2026-11-02T09:00:00Z'
"""
    assert load_data(str(target)).intent_examples[0].get("intent") == "ask_cost"
    assert settings.promote_file.is_file()  # the record of what staff promoted stays


def test_adopt_reads_the_earlier_form_and_moves_a_question_taught_again(tmp_path):
    settings = Settings.from_env()
    settings.promote_file.write_text(
        'version: "3.1"\nnlu:\n- intent: ask_cost\n  examples: |\n    - c koi le tarif ?\n    - et le prix ?\n'
        '- intent: ask_gone\n  examples: |\n    - une question d\'un thème retiré\n', "utf-8")
    target = tmp_path / "promoted.yml"
    promote.teach(target, [("et le prix ?", None)], "ask_cpf", "Paul", EARLIER)  # adopted under another intent

    assert adopt(settings, target) == (f"2 promoted question(s) added to {target}: review them, then `make train` "
                                       "(1 left out: their intent is no longer in the domain)")
    assert target.read_text("utf-8") == promote.HEADER + """version: '3.1'
nlu:
- intent: ask_cost
  examples:
  - text: c koi le tarif ?
  - text: et le prix ?
"""
    assert sorted((m.get("text"), m.get("intent")) for m in load_data(str(target)).intent_examples) == [
        ("c koi le tarif ?", "ask_cost"), ("et le prix ?", "ask_cost")]


def test_adopt_from_the_command_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr("bot.review.__main__.ADOPTED", tmp_path / "promoted.yml")
    assert review_cli(["adopt"]) == 0
    assert "0 promoted question(s) added" in capsys.readouterr().out
