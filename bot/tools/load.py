"""Load and measures for the benchmark (bot/tools/bench.py): simulated visitors over REST,
latency percentiles and throughput, peak memory of a process tree, time to first answer."""
from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp


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


@dataclass
class Run:
    """One load run: every message's latency (s), the failed ones, the wall time."""

    latencies: list[float]
    errors: int
    elapsed_s: float


async def drive(url: str, visitors: int, total: int, scripts: list[list[str]]) -> Run:
    """`visitors` concurrent conversations (visitor n says scripts[n % len(scripts)] in a loop),
    `total` messages in all."""
    latencies: list[float] = []
    errors = 0
    per_visitor = max(1, total // visitors)

    async def visitor(session: aiohttp.ClientSession, n: int) -> None:
        nonlocal errors
        sender = uuid.uuid4().hex
        script = scripts[n % len(scripts)]
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
    return Run(latencies, errors, time.perf_counter() - started)


def summary(visitors: int, runs: list[Run]) -> dict[str, Any]:
    """Latency quantiles over every message of the runs; messages per second over their time."""
    latencies = [latency for run in runs for latency in run.latencies]
    quantiles = statistics.quantiles(latencies, n=100)
    return {"visitors": visitors, "runs": len(runs), "messages": len(latencies),
            "errors": sum(run.errors for run in runs),
            "p50_ms": round(quantiles[49] * 1000, 1), "p95_ms": round(quantiles[94] * 1000, 1),
            "p99_ms": round(quantiles[98] * 1000, 1),
            "messages_per_s": round(len(latencies) / sum(run.elapsed_s for run in runs), 1)}


async def load(url: str, visitors: int, total: int, scripts: list[list[str]]) -> dict[str, Any]:
    """One run's summary (see drive)."""
    return summary(visitors, [await drive(url, visitors, total, scripts)])
