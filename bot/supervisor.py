"""Own the server processes: start them, wait until they answer, restart one that dies, stop
them all."""
from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

from bot.settings import ROOT, Settings

START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 15
# A server that dies is started again (visitors get the guard's apology meanwhile, for the
# action server); one that dies more than this often in this time cannot start: stop.
RESTARTS_ALLOWED = 5
RESTART_WINDOW_S = 60.0
_PR_SET_PDEATHSIG = 1


class StartupError(RuntimeError):
    """The assistant cannot start; the message says what to run."""


def die_with_parent() -> None:
    """Linux: get SIGTERM if the parent dies, so no server outlives its launcher."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def answers(url: str) -> bool:
    """True when a server answers 200 at url within 2 s."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Supervisor:
    """Owns the server processes: start, wait until they answer, restart one that dies, stop
    them all."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: dict[str, list[str]] = {}
        self.exits: dict[str, list[float]] = {}
        self.stopping = threading.Event()

    def start(self, name: str, command: list[str]) -> None:
        self.commands[name] = command
        env = {**os.environ, "SANIC_HOST": self.settings.host, "PYTHONPATH": str(ROOT)}
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=env, start_new_session=True, preexec_fn=die_with_parent
        )

    def wait_until_ready(self, urls: dict[str, str]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        pending = dict(urls)
        while pending:
            for name, process in self.processes.items():
                if process.poll() is not None:
                    raise StartupError(f"{name} server exited with code {process.returncode}")
            for name, url in list(pending.items()):
                if answers(url):
                    del pending[name]
            if time.monotonic() > deadline:
                raise StartupError(f"{', '.join(pending)} not answering after {START_TIMEOUT_S} s")
            if pending:
                time.sleep(0.5)

    def stop(self) -> None:
        self.stopping.set()
        for process in self.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def watch(self, poll_s: float = 0.5) -> int:
        """Restart a server that exits, until stop(); give up, and return its exit code, when
        one exits more than RESTARTS_ALLOWED times within RESTART_WINDOW_S (it cannot start)."""
        while not self.stopping.wait(poll_s):
            for name, process in list(self.processes.items()):
                code = process.poll()
                if code is None or self.stopping.is_set():
                    continue
                now = time.monotonic()
                recent = [t for t in self.exits.get(name, []) if now - t < RESTART_WINDOW_S] + [now]
                self.exits[name] = recent
                if len(recent) > RESTARTS_ALLOWED:
                    print(f"serve: {name} server exited {len(recent)} times in {RESTART_WINDOW_S:g} s "
                          f"(last code {code}): stopping", file=sys.stderr, flush=True)
                    return code or 1
                print(f"serve: {name} server exited with code {code}: restarting it", file=sys.stderr, flush=True)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)  # what it started, if anything is left
                self.start(name, self.commands[name])
        return 0


