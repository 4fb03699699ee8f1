"""bot's Supervisor: a server that dies is started again; one that cannot start stops all."""
from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from bot import supervisor as serve
from bot.settings import Settings


def wait_for(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_server_that_dies_is_started_again(tmp_path: Path):
    pids = tmp_path / "pids"
    supervisor = serve.Supervisor(Settings.from_env())
    supervisor.start("actions", [sys.executable, "-c",
                                 f"import os, time; open({str(pids)!r}, 'a').write(f'{{os.getpid()}}\\n'); time.sleep(60)"])
    result: list[int] = []
    watcher = threading.Thread(target=lambda: result.append(supervisor.watch(poll_s=0.05)))
    watcher.start()
    try:
        wait_for(lambda: pids.is_file() and len(pids.read_text().split()) == 1)
        first = int(pids.read_text().split()[0])
        os.kill(first, signal.SIGKILL)
        wait_for(lambda: len(pids.read_text().split()) == 2)
        second = int(pids.read_text().split()[1])
        assert second != first and supervisor.processes["actions"].pid == second
        assert supervisor.processes["actions"].poll() is None
    finally:
        supervisor.stop()
        watcher.join(timeout=10)
    assert result == [0]  # stopped on request, not given up
    assert supervisor.processes["actions"].poll() is not None


def test_a_server_that_cannot_start_stops_everything(capsys):
    supervisor = serve.Supervisor(Settings.from_env())
    supervisor.start("web", [sys.executable, "-c", "raise SystemExit(3)"])
    supervisor.start("actions", [sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert supervisor.watch(poll_s=0.05) == 3
    finally:
        supervisor.stop()
    assert supervisor.processes["actions"].poll() is not None
    error = capsys.readouterr().err
    assert error.count("serve: web server exited with code 3: restarting it") == serve.RESTARTS_ALLOWED
    assert f"web server exited {serve.RESTARTS_ALLOWED + 1} times in 60 s (last code 3): stopping" in error
