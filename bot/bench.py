"""Benchmark: the assistant against a floor (the same Rasa with a trivial greeting model).

    python -m bot.bench [--skip-training]      (make bench)

Starts each server on free ports, drives it over REST with 1, 10 and 50 concurrent simulated
visitors, and reports p50 / p95 / p99 latency, messages per second, errors, peak memory (VmHWM)
of each process, cold start (command to first answer) and full training time. Ratios are
ours / floor, measured in the same run. Writes var/bench.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import aiohttp

from bot.settings import ROOT, Settings

CONVERSATIONS = [  # realistic visitors: topics, the pre-check, off-topic
    ["bonjour", "Combien coûte la formation ?", "et en financement individuel ?", "merci"],
    ["quels sont les prérequis ?", "je n'ai pas de licence, c'est possible ?", "comment je candidate ?"],
    ["je voudrais vérifier mon éligibilité", "une licence", "4 ans", "en association"],
    ["c'est éligible au CPF ?", "quel est le rythme ?", "quel temps fera-t-il demain ?"],
    ["le module coopératif c'est quoi ?", "il coûte combien ?", "au revoir"],
]
LEVELS = ((1, 40), (10, 120), (50, 200))  # (concurrent visitors, messages in all)
# DIET needs two intents to answer at all; the second is never asked.
FLOOR_DOMAIN = """version: "3.1"
intents: [greet, goodbye]
responses:
  utter_greet:
    - text: "Bonjour"
  utter_goodbye:
    - text: "Au revoir"
"""
FLOOR_NLU = ('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - bonjour\n    - salut\n'
             '- intent: goodbye\n  examples: |\n    - au revoir\n    - salut à plus\n')
FLOOR_RULES = ('version: "3.1"\nrules:\n- rule: greet\n  steps: [{intent: greet}, {action: utter_greet}]\n'
               '- rule: goodbye\n  steps: [{intent: goodbye}, {action: utter_goodbye}]\n')
FLOOR_CONFIG = """recipe: default.v1
language: fr
assistant_id: floor
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: DIETClassifier
    epochs: 20
policies:
  - name: RulePolicy
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process (VmHWM), in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def descendants(pid: int) -> list[int]:
    """A process and all its children, recursively."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += descendants(int(child))
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:80]
    except OSError:
        return "?"


async def first_answer(url: str, started: float, process: subprocess.Popen, timeout: float = 180) -> float:
    """Seconds from `started` to the first REST answer."""
    async with aiohttp.ClientSession() as session:
        while time.monotonic() - started < timeout:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with code {process.returncode} before answering")
            try:
                async with session.post(url, json={"sender": "warmup", "message": "bonjour"},
                                        timeout=aiohttp.ClientTimeout(total=30)) as response:
                    if response.status == 200 and await response.json():
                        return time.monotonic() - started
            except (aiohttp.ClientError, asyncio.TimeoutError):
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"no answer from {url} after {timeout} s")


async def load(url: str, visitors: int, total: int, floor: bool) -> dict[str, Any]:
    """`visitors` concurrent conversations, `total` messages in all; latency and throughput."""
    latencies: list[float] = []
    errors = 0
    per_visitor = max(1, total // visitors)

    async def visitor(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal errors
        sender = uuid.uuid4().hex
        script = ["bonjour"] if floor else CONVERSATIONS[n % len(CONVERSATIONS)]
        for i in range(per_visitor):
            started = time.perf_counter()
            try:
                async with session.post(url, json={"sender": sender, "message": script[i % len(script)]},
                                        timeout=aiohttp.ClientTimeout(total=60)) as response:
                    await response.read()
                    if response.status != 200:
                        errors += 1
            except (aiohttp.ClientError, asyncio.TimeoutError):
                errors += 1
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=visitors)) as session:
        await asyncio.gather(*(visitor(session, n) for n in range(visitors)))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(latencies, n=100)
    return {"visitors": visitors, "messages": len(latencies), "errors": errors,
            "p50_ms": round(quantiles[49] * 1000, 1), "p95_ms": round(quantiles[94] * 1000, 1),
            "p99_ms": round(quantiles[98] * 1000, 1), "messages_per_s": round(len(latencies) / elapsed, 1)}


def run_server(command: list[str], env: dict[str, str], port: int, floor: bool) -> dict[str, Any]:
    """Start, measure cold start and the load levels, read peak memory, stop."""
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/webhooks/rest/webhook"
        cold = asyncio.run(first_answer(url, started, process))
        levels = [asyncio.run(load(url, visitors, total, floor)) for visitors, total in LEVELS]
        memory = {f"{pid} {command_line(pid)}": round(peak_rss_mb(pid)) for pid in descendants(process.pid)}
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return {"cold_start_s": round(cold, 1), "levels": levels, "peak_rss_mb": memory,
            "peak_rss_total_mb": sum(memory.values())}


def train_floor(folder: Path) -> Path:
    (folder / "domain.yml").write_text(FLOOR_DOMAIN)
    (folder / "nlu.yml").write_text(FLOOR_NLU)
    (folder / "rules.yml").write_text(FLOOR_RULES)
    (folder / "config.yml").write_text(FLOOR_CONFIG)
    (folder / "credentials.yml").write_text("rest:\n")
    subprocess.run([sys.executable, "-m", "rasa", "train", "--domain", str(folder / "domain.yml"),
                    "--data", str(folder / "nlu.yml"), str(folder / "rules.yml"),
                    "--config", str(folder / "config.yml"), "--out", str(folder),
                    "--fixed-model-name", "floor"], check=True, capture_output=True)
    return folder / "floor.tar.gz"


def training_time(folder: Path) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--domain", "bot/domain",
                    "--data", "data/nlu", "bot/rules", "bot/stories", "--config", "config.yml",
                    "--out", str(folder)], cwd=ROOT, check=True, capture_output=True)
    return round(time.monotonic() - started, 1)


def main(argv: list[str] | None = None) -> int:
    """Measure both, print the table, write var/bench.json."""
    parser = argparse.ArgumentParser(prog="python -m bot.bench")
    parser.add_argument("--skip-training", action="store_true", help="do not time a full training")
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor_model = train_floor(folder)
        port = free_port()
        floor = run_server([sys.executable, "-m", "rasa", "run", "--model", str(floor_model),
                            "--interface", "127.0.0.1", "--port", str(port),
                            "--credentials", str(folder / "credentials.yml")], dict(os.environ), port, True)
        ports = {name: free_port() for name in ("BOT_PORT", "ACTIONS_PORT", "WEB_PORT")}
        env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "VAR_DIR": str(folder / "var"),
               "KNOWLEDGE_DB_URL": Settings.from_env().knowledge_db_url}
        ours = run_server([sys.executable, "-m", "bot.serve"], env, ports["BOT_PORT"], False)
        training = None if args.skip_training else training_time(folder / "models")
    ratios = {
        "sequential_p50": round(ours["levels"][0]["p50_ms"] / floor["levels"][0]["p50_ms"], 2),
        "throughput_10": round(ours["levels"][1]["messages_per_s"] / floor["levels"][1]["messages_per_s"], 2),
        "peak_memory": round(ours["peak_rss_total_mb"] / floor["peak_rss_total_mb"], 2),
    }
    result = {"date": time.strftime("%Y-%m-%d"), "floor": floor, "assistant": ours,
              "ratios": ratios, "training_s": training}
    print(f"{'':24}{'floor':>12}{'assistant':>12}{'ratio':>8}")
    for (visitors, _), f, o in zip(LEVELS, floor["levels"], ours["levels"]):
        print(f"p50 ms, {visitors:>2} visitor(s)   {f['p50_ms']:>12}{o['p50_ms']:>12}{o['p50_ms'] / f['p50_ms']:>8.2f}")
        print(f"p95 ms, {visitors:>2} visitor(s)   {f['p95_ms']:>12}{o['p95_ms']:>12}")
        print(f"p99 ms, {visitors:>2} visitor(s)   {f['p99_ms']:>12}{o['p99_ms']:>12}")
        print(f"msg/s,  {visitors:>2} visitor(s)   {f['messages_per_s']:>12}{o['messages_per_s']:>12}"
              f"{o['messages_per_s'] / f['messages_per_s']:>8.2f}")
        print(f"errors, {visitors:>2} visitor(s)   {f['errors']:>12}{o['errors']:>12}")
    print(f"{'peak memory MB (all)':24}{floor['peak_rss_total_mb']:>12}{ours['peak_rss_total_mb']:>12}{ratios['peak_memory']:>8.2f}")
    print(f"{'cold start s':24}{floor['cold_start_s']:>12}{ours['cold_start_s']:>12}")
    print(f"{'full training s':24}{'':>12}{training if training is not None else 'skipped':>12}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1), "utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
