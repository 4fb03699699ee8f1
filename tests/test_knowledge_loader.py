"""A malformed data file fails with a message naming the file and the entry."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.loader import DATA_DIR, KnowledgeDataError, read_dataset

GOOD_FACT = """\
  - key: cost.example
    topic: cost
    label: "un coût"
    status: current
    source: 001_0804f255e4d6d6ac.txt
    quote: "5 000,50 €"
    values:
      amount: "5 000,50 €"
"""


def write_data(tmp_path: Path, facts_yaml: str) -> Path:
    shutil.copy(DATA_DIR / "sources.yml", tmp_path / "sources.yml")
    (tmp_path / "broken.yml").write_text(facts_yaml, encoding="utf-8")
    return tmp_path


def test_the_shipped_data_is_valid(dataset):
    assert sorted(source.file for source in dataset.sources) == sorted(
        path.name for path in (DATA_DIR.parent.parent.parent / "shared" / "seeds").glob("*.txt"))
    assert {fact.source for fact in dataset.facts} <= {source.file for source in dataset.sources}


def test_a_key_used_in_two_files_is_refused(tmp_path):
    write_data(tmp_path, "facts:\n" + GOOD_FACT)
    (tmp_path / "again.yml").write_text("facts:\n" + GOOD_FACT, encoding="utf-8")
    with pytest.raises(KnowledgeDataError) as error:
        read_dataset(tmp_path)
    assert "cost.example: key already used in" in str(error.value)


def test_a_valid_file_loads(tmp_path):
    dataset = read_dataset(write_data(tmp_path, "facts:\n" + GOOD_FACT))
    assert [fact.key for fact in dataset.facts] == ["cost.example"]


@pytest.mark.parametrize(
    "facts_yaml, message",
    [
        ("facts: [unclosed", "broken.yml: file: not valid YAML"),
        ("items: []", "broken.yml: file: expected a top-level list 'facts'"),
        ("facts:\n  - just a string", "broken.yml: fact #1: must be a mapping"),
        ("facts:\n" + GOOD_FACT.replace('    label: "un coût"\n', ""),
         "broken.yml: cost.example: 'label' must be a non-empty string"),
        ("facts:\n" + GOOD_FACT.replace("status: current", "status: maybe"),
         "broken.yml: cost.example: status must be one of"),
        ("facts:\n" + GOOD_FACT.replace("001_0804f255e4d6d6ac.txt", "999.txt"),
         "broken.yml: cost.example: source '999.txt' is not in sources.yml"),
        ("facts:\n" + GOOD_FACT.replace('amount: "5 000,50 €"', "amount: [1.5]"),
         "broken.yml: cost.example: value 'amount' holds 1.5: only text and integers"),
        ("facts:\n" + GOOD_FACT.replace('amount: "5 000,50 €"', "amount: true"),
         "broken.yml: cost.example: value 'amount' holds True"),
        ("facts:\n" + GOOD_FACT.replace("key: cost.example", "key: Cost"),
         "broken.yml: Cost: key must look like 'topic.name'"),
        ("facts:\n" + GOOD_FACT + GOOD_FACT,
         "broken.yml: cost.example: key already used in broken.yml"),
        ("facts:\n" + GOOD_FACT.replace("001_0804f255e4d6d6ac.txt", "000_901e011393f39b87.txt"),
         "broken.yml: cost.example: a current fact from a historical document needs a 'note'"),
        ("facts:\n" + GOOD_FACT.replace("001_0804f255e4d6d6ac.txt", "004_2af27045375fef51.txt"),
         "broken.yml: cost.example: only facts of the other-programme document"),
    ],
)
def test_malformed_data_names_file_and_entry(tmp_path, facts_yaml, message):
    with pytest.raises(KnowledgeDataError) as error:
        read_dataset(write_data(tmp_path, facts_yaml))
    assert str(error.value).startswith(message)


def test_binary_file_is_a_clear_error(tmp_path):
    write_data(tmp_path, "")
    (tmp_path / "broken.yml").write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(KnowledgeDataError, match="broken.yml: file: not valid YAML"):
        read_dataset(tmp_path)
