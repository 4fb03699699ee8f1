"""Soak test: the assistant as `make run` starts it, five visitors talking for half an hour.

    python -m bot.tools.soak [--minutes 30] [--output $VAR_DIR/soak.json]      (make soak)

`python -m bot` runs with a temporary VAR_DIR and a real SMTP server on loopback. Reports the
memory of each server process over time and its growth after the warm-up, errors, handoffs
confirmed / stored / received, the growth of each SQLite file; exits 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.parser
import email.utils
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import aiohttp
from aiosmtpd.controller import Controller

from bot.backup import BackupError, table_rows
from bot.settings import ROOT, Settings
from bot.supervisor import StartupError
from bot.tools.load import descendants, free_port

MAX_GROWTH_PCT = 10.0
READY = "The assistant is ready"
SERVERS = {"actions": "rasa_sdk", "rasa": "bot.server", "web": "bot.web"}  # name: the module it runs
# Scripts of (message, text the reply must hold, or None). {visitor} and {n} make each handoff's
# e-mail address unique, so that stored and received requests can be matched to the visitors'.
CONVERSATIONS: dict[str, list[tuple[str, Optional[str]]]] = {
    "eligibility": [("je voudrais vérifier mon éligibilité", "diplôme"), ("une licence", "années d'expérience"),
                    ("5 ans", "a priori"), ("comment je candidate ?", None)],
    "derogation": [("je voudrais vérifier mon éligibilité", "diplôme"), ("un BTS", "années d'expérience"),
                   ("7 ans", "professionnelle"), ("salariée dans un centre social", "a priori")],
    "handoff": [("je voudrais parler à quelqu'un", "transmette"), ("/affirm", "d'accord"), ("/affirm", "nom"),
                ("Camille Martin", "e-mail"), ("soak.{visitor}.{n}@example.org", "téléphone"), ("non", "question"),
                ("Puis-je commencer la formation en janvier ?", "Je l'envoie ?"), ("/affirm", "C'est envoyé")],
    "questions": [("Combien coûte la formation ?", "€"), ("et en financement individuel ?", "€"),
                  ("quels sont les prérequis ?", None), ("merci", None)],
    "off_topic": [("quel temps fera-t-il demain ?", None), ("le module coopératif c'est quoi ?", None),
                  ("il coûte combien ?", None), ("au revoir", None)],
}


class Inbox(list):
    """aiosmtpd handler: the Reply-To address of every e-mail received."""

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        headers = email.parser.BytesHeaderParser().parsebytes(envelope.content)
        self.append(email.utils.parseaddr(headers.get("Reply-To", ""))[1])
        return "250 Message accepted"


@dataclass
class Tally:
    """What the visitors saw, and the pids each server had."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    conversations: Counter = field(default_factory=Counter)
    handoffs: list[str] = field(default_factory=list)  # addresses of the requests confirmed as sent
    samples: list[dict[str, Any]] = field(default_factory=list)
    pids: dict[str, set[int]] = field(default_factory=lambda: {name: set() for name in SERVERS})


async def converse(session: aiohttp.ClientSession, url: str, name: str, visitor: int, n: int,
                   tally: Tally) -> None:
    """One conversation of a script, with a new sender; a failed step ends it (counted once)."""
    sender, address = uuid.uuid4().hex, f"soak.{visitor}.{n}@example.org"
    for message, expected in CONVERSATIONS[name]:
        message = message.format(visitor=visitor, n=n)
        started = time.perf_counter()
        try:
            async with session.post(url, json={"sender": sender, "message": message},
                                    timeout=aiohttp.ClientTimeout(total=60)) as response:
                status, replies = response.status, (await response.json() if response.status == 200 else [])
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            status, replies = 0, [{"text": error.__class__.__name__}]
        tally.latencies.append(time.perf_counter() - started)
        text = "\n".join(str(reply.get("text", "")) for reply in replies)
        if status != 200 or not replies or (expected and expected not in text):
            tally.errors.append(f"{name} {message!r}: HTTP {status}, {text[:120]!r}")
            return
    tally.conversations[name] += 1
    if name == "handoff":
        tally.handoffs.append(address)


def module(pid: int) -> str:
    """The module a `python -m` process runs, or ""."""
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        return argv[argv.index("-m") + 1] if "-m" in argv[:-1] else ""
    return ""


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    kb = 0
    for each in descendants(pid):
        with contextlib.suppress(OSError, StopIteration):
            kb += next(int(line.split()[1]) for line in Path(f"/proc/{each}/status").read_text().splitlines()
                       if line.startswith("VmRSS:"))
    return round(kb / 1024, 1)


def sample(launcher: int, tally: Tally, t_s: float, warm: bool) -> None:
    """The memory of each server process `python -m bot` started; a new pid is a restart."""
    found = {name: pid for pid in descendants(launcher)[1:] for name, runs in SERVERS.items()
             if module(pid) == runs}
    for name, pid in found.items():
        tally.pids[name].add(pid)
    tally.samples.append({"t_s": round(t_s, 1), "warm": warm,
                          "rss_mb": {name: rss_mb(pid) for name, pid in found.items()}})


def files(var: Path) -> dict[str, dict[str, Any]]:
    """Size of each SQLite file and of its -wal, its rows per table (BackupError if one is damaged)."""
    return {path.name: {"bytes": path.stat().st_size, "rows": table_rows(path),
                        "wal_bytes": wal.stat().st_size if (wal := Path(f"{path}-wal")).exists() else 0}
            for path in sorted(var.glob("*.db"))}


async def soak(url: str, launcher: int, args: argparse.Namespace) -> Tally:
    """Warm up (every script once), then the visitors until the time is up, memory sampled meanwhile."""
    tally = Tally()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.visitors)) as session:
        for n, name in enumerate(CONVERSATIONS):  # every code path loaded before the first sample
            await converse(session, url, name, args.visitors, n, tally)
        deadline = (started := time.monotonic()) + args.minutes * 60

        async def visitor(v: int) -> None:
            n = 0
            while time.monotonic() < deadline:
                await converse(session, url, list(CONVERSATIONS)[(v + n) % len(CONVERSATIONS)], v, n, tally)
                n += 1
                await asyncio.sleep(args.think)

        async def sampler() -> None:
            while (elapsed := time.monotonic() - started) < args.minutes * 60:
                sample(launcher, tally, elapsed, elapsed >= args.warmup)
                await asyncio.sleep(min(args.every, max(0.0, deadline - time.monotonic())))

        await asyncio.gather(sampler(), *(visitor(v) for v in range(args.visitors)))
        elapsed = time.monotonic() - started  # once the last conversations ended
        sample(launcher, tally, elapsed, elapsed >= args.warmup)
    return tally


def memory(samples: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per server: first sample after the warm-up, last, peak, growth in percent."""
    warm = [s for s in samples if s["warm"]] or samples
    series = {name: [s["rss_mb"][name] for s in warm if name in s["rss_mb"]] for name in SERVERS}
    return {name: {"first_mb": mb[0], "last_mb": mb[-1], "peak_mb": max(mb),
                   "growth_pct": round(100 * (mb[-1] - mb[0]) / mb[0], 1) if mb[0] else 0.0}
            for name, mb in series.items() if mb}


def handoffs(tally: Tally, inbox: Inbox, var: Path) -> dict[str, Any]:
    """Requests confirmed to the visitors against those stored and those the SMTP server received."""
    stored = []
    if (var / "handoff.db").is_file():  # created by the first handoff
        with contextlib.closing(sqlite3.connect(f"{(var / 'handoff.db').as_uri()}?mode=ro", uri=True)) as db:
            stored = db.execute("SELECT email, status FROM handoff_request").fetchall()
    emails, received, confirmed = Counter(address for address, _ in stored), Counter(inbox), set(tally.handoffs)
    return {"confirmed": len(tally.handoffs), "stored": len(stored), "received": len(inbox),
            "not_sent": sum(status != "sent" for _, status in stored),
            "lost": sorted(confirmed - set(emails) | confirmed - set(received)),
            "duplicates": sorted(a for a in set(emails) | set(received) if emails[a] > 1 or received[a] > 1),
            "unexpected": sorted(set(emails) - confirmed | set(received) - confirmed)}


def report(args: argparse.Namespace, tally: Tally, mail: dict, before: dict, after: dict) -> dict:
    """The JSON report, with the targets met or missed."""
    growth = memory(tally.samples)
    restarts = {name: max(0, len(pids) - 1) for name, pids in tally.pids.items()}
    quantiles = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    met = {"memory": len(growth) == len(SERVERS)
           and all(g["growth_pct"] <= MAX_GROWTH_PCT for g in growth.values()),
           "errors": not tally.errors and not any(restarts.values()),
           "handoffs": mail["confirmed"] == mail["stored"] == mail["received"] > 0 and mail["not_sent"] == 0
           and not (mail["lost"] or mail["duplicates"] or mail["unexpected"])}
    return {"date": time.strftime("%Y-%m-%d %H:%M"), "minutes": args.minutes, "visitors": args.visitors,
            "warmup_s": args.warmup, "every_s": args.every, "think_s": args.think,
            "messages": len(tally.latencies), "conversations": dict(tally.conversations),
            "latency_ms": {"p50": round(quantiles[49] * 1000), "p95": round(quantiles[94] * 1000),
                           "max": round(max(tally.latencies, default=0) * 1000)},
            "errors": len(tally.errors), "error_samples": tally.errors[:20], "restarts": restarts,
            "memory": growth, "memory_samples": tally.samples, "handoffs": mail,
            "files": {name: {"start_bytes": start["bytes"], "end_bytes": end["bytes"],
                             "growth_bytes": end["bytes"] - start["bytes"], "end_wal_bytes": end["wal_bytes"],
                             "start_rows": start["rows"], "end_rows": end["rows"]}
                      for name, end in after.items() for start in [before.get(name, {"bytes": 0, "rows": {}})]},
            "targets": {"max_memory_growth_pct": MAX_GROWTH_PCT, "errors": 0, "met": met},
            "passed": all(met.values())}


def table(result: dict) -> str:
    """The short table printed at the end."""
    rows = [f"{'process':10}{'first MB':>10}{'last MB':>10}{'peak MB':>10}{'growth':>9}"]
    rows += [f"{name:10}{m['first_mb']:>10}{m['last_mb']:>10}{m['peak_mb']:>10}{m['growth_pct']:>8}%"
             for name, m in result["memory"].items()]
    h = result["handoffs"]
    rows.append(f"messages {result['messages']}, errors {result['errors']}, "
                f"restarts {sum(result['restarts'].values())}, p50 {result['latency_ms']['p50']} ms, "
                f"p95 {result['latency_ms']['p95']} ms")
    rows.append(f"handoffs confirmed {h['confirmed']}, stored {h['stored']}, received {h['received']}, "
                f"lost {len(h['lost'])}, duplicates {len(h['duplicates'])}")
    rows += [f"{name:12}{f['start_bytes'] / 1e6:>7.2f} MB -> {f['end_bytes'] / 1e6:.2f} MB, "
             f"-wal {f['end_wal_bytes'] / 1e6:.2f} MB" for name, f in result["files"].items()]
    rows.append("targets: " + ", ".join(f"{target} {'met' if met else 'MISSED'}"
                                         for target, met in result["targets"]["met"].items()))
    return "\n".join(rows)


def start(var: Path, smtp_port: int) -> tuple[subprocess.Popen, int]:
    """`python -m bot` on free ports with its state in `var`; (process, REST port)."""
    ports = {name: free_port() for name in ("BOT_PORT", "ACTIONS_PORT", "WEB_PORT")}
    env = {key: value for key, value in os.environ.items()  # the soak never touches the real stores
           if key not in ("TRACKER_DB_URL", "HANDOFF_DB_URL", "REVIEW_DB_URL", "PROMOTE_FILE", "LOCK_STORE_URL",
                          "SMTP_USER", "SMTP_PASSWORD", "SMTP_STARTTLS", "RASA_ENABLE_API")}
    env.update({**{k: str(v) for k, v in ports.items()}, "VAR_DIR": str(var),
                "KNOWLEDGE_DB_URL": Settings.from_env().knowledge_db_url, "SMTP_HOST": "127.0.0.1",
                "SMTP_PORT": str(smtp_port), "HANDOFF_FROM": "assistant@soak.test",
                "HANDOFF_TO": "cestes@soak.test"})
    log = var / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen([sys.executable, "-m", "bot"], cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 300
    while READY not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise StartupError(f"the assistant did not start:\n{log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.5)
    return process, ports["BOT_PORT"]


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the launcher, which stops its servers; SIGKILL after 30 s."""
    for sent, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, None)):
        if process.poll() is None:  # not reaped yet: its group still exists
            os.killpg(process.pid, sent)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=wait)


def main(argv: Optional[list[str]] = None) -> int:
    """Run the soak; print the table, write the report; 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bot.tools.soak")
    parser.add_argument("--minutes", type=float, default=30.0, help="how long the visitors talk")
    parser.add_argument("--visitors", type=int, default=5)
    parser.add_argument("--every", type=float, help="seconds between memory samples (30, at most a tenth)")
    parser.add_argument("--warmup", type=float, help="seconds before the first counted sample (120, at most 1/5)")
    parser.add_argument("--think", type=float, default=0.5, help="seconds a visitor waits between conversations")
    parser.add_argument("--output", type=Path, default=Settings.from_env().var_dir / "soak.json")
    args = parser.parse_args(argv)
    args.every = args.every or max(1.0, min(30.0, args.minutes * 6))
    args.warmup = args.warmup if args.warmup is not None else min(120.0, args.minutes * 12)
    inbox, smtp_port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
            var = Path(tmp)
            process, port = start(var, smtp_port)
            try:
                before = files(var)
                tally = asyncio.run(soak(f"http://127.0.0.1:{port}/webhooks/rest/webhook", process.pid, args))
                result = report(args, tally, handoffs(tally, inbox, var), before, files(var))
            finally:
                stop(process)
    except (StartupError, BackupError) as error:  # did not start, or left a damaged store
        print(f"soak: {error}", file=sys.stderr)
        return 2
    finally:
        controller.stop()
    print(table(result))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=1, ensure_ascii=False), "utf-8")
    print(f"written to {args.output}")
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
