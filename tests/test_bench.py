"""The benchmark's measuring helpers (the benchmark itself runs with `make bench`)."""
from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from aiohttp import web

from bot.tools.load import descendants, load, peak_rss_mb
from tests.conftest import free_port


def test_peak_memory_and_process_tree_of_this_process():
    assert peak_rss_mb(os.getpid()) > 10
    # A child that starts a grandchild: both are found, and nothing outside the tree is.
    child = subprocess.Popen([sys.executable, "-c",
                              "import subprocess, sys, time; "
                              "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)']); "
                              "print(g.pid, flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    grandchild = None
    try:
        grandchild = int(child.stdout.readline())
        tree = descendants(child.pid)
        assert tree[0] == child.pid and grandchild in tree and os.getpid() not in tree
        assert child.pid in descendants(os.getpid())
    finally:
        for pid in (grandchild, child.pid):
            if pid is not None:
                os.kill(pid, 9)
        child.wait()


def test_load_counts_messages_errors_and_latency():
    calls = []

    async def handler(request: web.Request) -> web.Response:
        calls.append(await request.json())
        return web.json_response([{"text": "ok"}], status=200 if len(calls) % 5 else 500)

    async def scenario():
        app = web.Application()
        app.router.add_post("/webhooks/rest/webhook", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            return await load(f"http://127.0.0.1:{port}/webhooks/rest/webhook", 5, 20, [["a", "b"], ["c"]])
        finally:
            await runner.cleanup()

    result = asyncio.run(scenario())
    assert (result["visitors"], result["messages"], result["errors"]) == (5, 20, 4)
    assert 0 < result["p50_ms"] <= result["p95_ms"] <= result["p99_ms"]
    said: dict[str, list[str]] = {}
    for call in calls:
        said.setdefault(call["sender"], []).append(call["message"])
    assert len(said) == 5
    assert sorted(said.values()) == [["a", "b", "a", "b"]] * 3 + [["c"] * 4] * 2


def test_the_floor_is_rasas_default_recipe_with_spacy():
    import yaml
    import rasa.engine.recipes as recipes
    from pathlib import Path
    from bot.tools.bench import FLOOR

    default = yaml.safe_load((Path(recipes.__file__).parent / "config_files" / "default_config.yml").read_text())
    floor = yaml.safe_load((FLOOR / "config.yml").read_text())
    assert [c["name"] for c in floor["pipeline"][:3]] == ["SpacyNLP", "SpacyTokenizer", "SpacyFeaturizer"]
    assert floor["pipeline"][0]["model"] == "fr_core_news_md"
    assert default["pipeline"][0] == {"name": "WhitespaceTokenizer"}
    assert floor["pipeline"][3:] == default["pipeline"][1:]
    assert floor["policies"] == default["policies"]
    assert floor["language"] == "fr"


def test_runs_are_summed_before_the_ratios():
    from bot.tools.load import Run, summary

    fast = Run([0.010] * 50, errors=0, elapsed_s=1.0)
    slow = Run([0.030] * 50, errors=2, elapsed_s=4.0)
    result = summary(10, [fast, slow])
    assert (result["runs"], result["messages"], result["errors"]) == (2, 100, 2)
    assert result["messages_per_s"] == 20.0  # 100 messages in 5 s, not the mean of 50 and 12.5
    assert result["p50_ms"] == 20.0 and result["p99_ms"] == 30.0
