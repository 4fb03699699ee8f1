"""Benchmark: the assistant against a floor, bare Rasa on the same machine in the same run.

    python -m bot.tools.bench [--skip-training]      (make bench)

Starts each server on free ports, one after the other, then drives them over REST with 1, 10
and 50 concurrent simulated visitors, three rounds, the servers taking turns (this machine's
speed drifts by tens of percent over minutes: measured one after the other, a slow spell fell
on one server only). Reports p50 / p95 / p99 latency, messages per second, errors, peak memory
(VmHWM) of each process, cold start (command to first answer) and full training time. Ratios
are ours / floor, measured in the same run. Writes var/bench.json.

The floor (bot/tools/bench_floor/) is bare Rasa as `rasa init` makes it: Rasa's default recipe, with
the French spaCy model the assistant needs, three intents, one custom action on a rasa-sdk
action server, REST, the in-memory tracker store. A leaner Rasa (whitespace tokens, rules, no
spaCy, no action server) is measured too and printed for reference.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.settings import ROOT, Settings
from bot.tools.load import (Run, command_line, descendants, drive, first_answer, free_port, peak_rss_mb,
                            summary)

CONVERSATIONS = [  # realistic visitors: topics, the pre-check, off-topic
    ["bonjour", "Combien coûte la formation ?", "et en financement individuel ?", "merci"],
    ["quels sont les prérequis ?", "je n'ai pas de licence, c'est possible ?", "comment je candidate ?"],
    ["je voudrais vérifier mon éligibilité", "une licence", "4 ans", "en association"],
    ["c'est éligible au CPF ?", "quel est le rythme ?", "quel temps fera-t-il demain ?"],
    ["le module coopératif c'est quoi ?", "il coûte combien ?", "au revoir"],
]
LEVELS = ((1, 40), (10, 120), (50, 200))  # (concurrent visitors, messages in all)
ROUNDS = 3  # runs of each level per server, the servers taking turns
FLOOR = ROOT / "bot" / "tools" / "bench_floor"  # bare Rasa: default recipe with spaCy, 3 intents, 1 action
FLOOR_CONVERSATION = ["bonjour", "quelle heure est-il ?", "au revoir"]
LEAN = FLOOR / "lean"  # for reference: Rasa at its leanest (whitespace tokens, no spaCy, no action server)


@dataclass
class Server:
    """A server under test: its processes (the last one answers REST on `port`) and its visitors."""

    name: str
    commands: list[list[str]]
    env: dict[str, str]
    port: int
    scripts: list[list[str]]
    processes: list[subprocess.Popen] = field(default_factory=list)
    cold_start_s: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def start(self) -> None:
        """Start the processes; cold start is the time to the first REST answer."""
        started = time.monotonic()
        self.processes = [subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL,
                                           stderr=subprocess.DEVNULL, start_new_session=True)
                          for command in self.commands]
        self.cold_start_s = asyncio.run(first_answer(self.url, started, self.processes[-1]))

    def peak_memory(self) -> dict[str, int]:
        return {f"{pid} {command_line(pid)}": round(peak_rss_mb(pid))
                for process in self.processes for pid in descendants(process.pid)}

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            process.wait(timeout=30)


def measure(servers: list[Server], rounds: int = ROUNDS) -> dict[str, dict[str, Any]]:
    """Start the servers one after the other (cold starts apart), then run every load level
    `rounds` times, the servers taking turns in a rotating order, so that a slower spell of the
    machine falls on all of them alike; report each server's runs together, its peak memory."""
    runs: dict[str, dict[int, list[Run]]] = {server.name: {v: [] for v, _ in LEVELS} for server in servers}
    try:
        for server in servers:
            server.start()
        for round_ in range(rounds):
            turn = servers[round_ % len(servers):] + servers[:round_ % len(servers)]
            for visitors, total in LEVELS:
                for server in turn:
                    runs[server.name][visitors].append(asyncio.run(drive(server.url, visitors, total, server.scripts)))
        results = {}
        for server in servers:
            memory = server.peak_memory()
            results[server.name] = {
                "cold_start_s": round(server.cold_start_s, 1),
                "levels": [summary(visitors, runs[server.name][visitors]) for visitors, _ in LEVELS],
                "peak_rss_mb": memory, "peak_rss_total_mb": sum(memory.values()),
            }
        return results
    finally:
        for server in servers:
            server.stop()


def train(project: Path, out: Path, name: str) -> Path:
    """Train the config, domain, NLU and rules of a bench project folder."""
    subprocess.run([sys.executable, "-m", "rasa", "train", "--config", str(project / "config.yml"),
                    "--domain", str(project / "domain.yml"),
                    "--data", str(project / "nlu.yml"), str(project / "rules.yml"),
                    "--out", str(out), "--fixed-model-name", name], cwd=ROOT, check=True, capture_output=True)
    return out / f"{name}.tar.gz"


def rasa_run(model: Path, port: int, *options: str) -> list[str]:
    return [sys.executable, "-m", "rasa", "run", "--model", str(model), "--interface", "127.0.0.1",
            "--port", str(port), "--credentials", str(FLOOR / "credentials.yml"), *options]


def floor_server(folder: Path) -> Server:
    """Bare Rasa: the default recipe with spaCy, three intents, one action on a rasa-sdk server."""
    model = train(FLOOR, folder, "floor")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = folder / "floor-endpoints.yml"
    endpoints.write_text(f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n')
    actions = [sys.executable, "-m", "rasa_sdk", "--actions", "bot.tools.bench_floor.actions", "--port", str(actions_port)]
    return Server("floor", [actions, rasa_run(model, rasa_port, "--endpoints", str(endpoints))],
                  dict(os.environ), rasa_port, [FLOOR_CONVERSATION])


def lean_server(folder: Path) -> Server:
    """For reference: Rasa at its leanest, a greeting model with whitespace tokens and rules only."""
    model = train(LEAN, folder, "lean")
    port = free_port()
    return Server("lean", [rasa_run(model, port)], dict(os.environ), port, [["bonjour"]])


def assistant_server(folder: Path) -> Server:
    ports = {name: free_port() for name in ("BOT_PORT", "ACTIONS_PORT", "WEB_PORT")}
    env = {**os.environ, **{k: str(v) for k, v in ports.items()}, "VAR_DIR": str(folder / "var"),
           "KNOWLEDGE_DB_URL": Settings.from_env().knowledge_db_url}
    return Server("assistant", [[sys.executable, "-m", "bot"]], env, ports["BOT_PORT"], CONVERSATIONS)


def training_time(folder: Path) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "rasa", "train", "--force", "--domain", "bot/domain",
                    "--data", "data/nlu", "bot/rules", "bot/stories", "--config", "config.yml",
                    "--out", str(folder)], cwd=ROOT, check=True, capture_output=True)
    return round(time.monotonic() - started, 1)


def ratios(ours: dict[str, Any], floor: dict[str, Any]) -> dict[str, float]:
    return {
        "sequential_p50": round(ours["levels"][0]["p50_ms"] / floor["levels"][0]["p50_ms"], 2),
        "throughput_10": round(ours["levels"][1]["messages_per_s"] / floor["levels"][1]["messages_per_s"], 2),
        "peak_memory": round(ours["peak_rss_total_mb"] / floor["peak_rss_total_mb"], 2),
    }


def table(floor: dict[str, Any], ours: dict[str, Any], lean: dict[str, Any], training: float | None) -> str:
    rows = [f"{'':24}{'floor':>10}{'assistant':>11}{'ratio':>7}{'lean':>8}"]
    for (visitors, _), f, o, l in zip(LEVELS, floor["levels"], ours["levels"], lean["levels"]):
        label = f"{visitors:>2} visitor{'s' if visitors > 1 else ' '}"
        rows.append(f"p50 ms, {label:16}{f['p50_ms']:>10}{o['p50_ms']:>11}{o['p50_ms'] / f['p50_ms']:>7.2f}{l['p50_ms']:>8}")
        rows.append(f"p95 ms, {label:16}{f['p95_ms']:>10}{o['p95_ms']:>11}{'':>7}{l['p95_ms']:>8}")
        rows.append(f"p99 ms, {label:16}{f['p99_ms']:>10}{o['p99_ms']:>11}{'':>7}{l['p99_ms']:>8}")
        rows.append(f"msg/s,  {label:16}{f['messages_per_s']:>10}{o['messages_per_s']:>11}"
                    f"{o['messages_per_s'] / f['messages_per_s']:>7.2f}{l['messages_per_s']:>8}")
        rows.append(f"errors, {label:16}{f['errors']:>10}{o['errors']:>11}{'':>7}{l['errors']:>8}")
    rows.append(f"{'peak memory MB (all)':24}{floor['peak_rss_total_mb']:>10}{ours['peak_rss_total_mb']:>11}"
                f"{ours['peak_rss_total_mb'] / floor['peak_rss_total_mb']:>7.2f}{lean['peak_rss_total_mb']:>8}")
    rows.append(f"{'cold start s':24}{floor['cold_start_s']:>10}{ours['cold_start_s']:>11}{'':>7}{lean['cold_start_s']:>8}")
    rows.append(f"{'full training s':24}{'':>10}{training if training is not None else 'skipped':>11}")
    return "\n".join(rows)


# The forms level: this many visitors at once run the pre-check and the handoff form (and
# questions) against the assistant alone, handoffs sent to an aiosmtpd server on loopback
# (bot/tools/soak.py): errors, lost or duplicated handoff requests, latency.
FORMS_VISITORS, FORMS_MINUTES = 50, 2.0


def forms_level(output: Path) -> dict[str, Any]:
    """Run the forms level with the soak's visitors; its report (see bot/tools/soak.py)."""
    from bot.tools import soak

    soak.main(["--visitors", str(FORMS_VISITORS), "--minutes", str(FORMS_MINUTES), "--think", "0",
               "--output", str(output)])
    report = json.loads(output.read_text("utf-8"))
    return {"visitors": FORMS_VISITORS, "minutes": FORMS_MINUTES, "messages": report.get("messages"),
            "errors": report.get("errors"), "handoffs": report.get("handoffs"),
            "latency_ms": report.get("latency_ms")}


def main(argv: list[str] | None = None) -> int:
    """Measure the floor, the assistant and the lean reference; print the table, write var/bench.json."""
    parser = argparse.ArgumentParser(prog="python -m bot.tools.bench")
    parser.add_argument("--skip-training", action="store_true", help="do not time a full training")
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "bench.json")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="runs of each load level per server")
    parser.add_argument("--forms-only", action="store_true", help="only the forms level (50 visitors)")
    args = parser.parse_args(argv)
    if args.forms_only:
        forms = forms_level(args.output.with_name("bench-forms.json"))
        print(json.dumps(forms, indent=1, ensure_ascii=False))
        handoffs = forms["handoffs"]
        return 0 if forms["errors"] == 0 and not handoffs["lost"] and not handoffs["duplicates"] else 1
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measured = measure([floor_server(folder), assistant_server(folder), lean_server(folder)], args.rounds)
        floor, ours, lean = measured["floor"], measured["assistant"], measured["lean"]
        training = None if args.skip_training else training_time(folder / "models")
    forms = forms_level(args.output.with_name("bench-forms.json"))
    result = {"date": time.strftime("%Y-%m-%d"), "floor": floor, "assistant": ours, "lean": lean,
              "ratios": ratios(ours, floor), "ratios_to_lean": ratios(ours, lean), "training_s": training,
              "forms": forms}
    print(table(floor, ours, lean, training))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1), "utf-8")
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
