"""The soak test, shortened: the real assistant, five visitors for half a minute (make soak runs 30)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.settings import ROOT

# It starts its own assistant, with none of the integration fixtures: marked by hand.
pytestmark = pytest.mark.integration


def test_a_short_soak_reports_memory_no_errors_and_every_handoff_once(tmp_path, kb_url):
    if not (ROOT / "models" / "assistant.tar.gz").is_file():
        pytest.fail("models/assistant.tar.gz is missing: run `make train` (make test does it)")
    output = tmp_path / "soak.json"
    done = subprocess.run([sys.executable, "-m", "bot.tools.soak", "--minutes", "0.5", "--output", str(output)],
                          cwd=ROOT, env={**os.environ, "KNOWLEDGE_DB_URL": kb_url}, capture_output=True,
                          text=True, timeout=600)
    assert output.is_file(), done.stderr[-3000:]
    result = json.loads(output.read_text("utf-8"))
    assert done.returncode == (0 if result["passed"] else 1)
    assert "targets:" in done.stdout and "Traceback" not in done.stderr

    assert result["errors"] == 0, result["error_samples"]
    assert set(result["conversations"]) == {"eligibility", "derogation", "handoff", "questions", "off_topic"}
    assert result["messages"] >= 30 and result["restarts"] == {"actions": 0, "rasa": 0, "web": 0}
    handoffs = result["handoffs"]
    assert handoffs["confirmed"] == handoffs["stored"] == handoffs["received"] >= 1
    assert handoffs["lost"] == handoffs["duplicates"] == handoffs["unexpected"] == [] and handoffs["not_sent"] == 0
    assert result["targets"]["met"]["errors"] and result["targets"]["met"]["handoffs"]

    assert set(result["memory"]) == {"actions", "rasa", "web"}
    for figures in result["memory"].values():
        assert figures["first_mb"] > 0 and figures["peak_mb"] >= figures["last_mb"] > 0
        assert isinstance(figures["growth_pct"], float)
    assert len(result["memory_samples"]) >= 5
    assert all(set(sample["rss_mb"]) == {"actions", "rasa", "web"} for sample in result["memory_samples"])
    assert {"tracker.db", "handoff.db", "review.db"} <= set(result["files"])
    tracker = result["files"]["tracker.db"]
    assert tracker["end_rows"]["events"] > tracker["start_rows"].get("events", 0)
    assert tracker["growth_bytes"] == tracker["end_bytes"] - tracker["start_bytes"]
