"""Start the action server and the Rasa server, and stop both cleanly.

    python -m bot.serve        (what `make run` calls; settings in bot/settings.py)
"""
from __future__ import annotations

import contextlib
import ctypes
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.settings import ROOT, Settings, SettingsError
from knowledge.db import KnowledgeUnavailable, open_existing
from knowledge.queries import count_facts

START_TIMEOUT_S = 300
STOP_TIMEOUT_S = 15
# A server that dies is started again (visitors get the guard's apology meanwhile, for the
# action server); one that dies more than this often in this time cannot start: stop.
RESTARTS_ALLOWED = 5
RESTART_WINDOW_S = 60.0
_PR_SET_PDEATHSIG = 1


class StartupError(RuntimeError):
    """The assistant cannot start; the message says what to run."""


def _die_with_parent() -> None:
    """Linux: get SIGTERM if the parent dies, so no server outlives its launcher."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def check_ready(settings: Settings) -> None:
    """Fail early, with the fix, when the model or the knowledge database is missing."""
    if not settings.model_path.is_file():
        raise StartupError(f"model {settings.model_path} not found: run `make train`")
    try:
        engine = open_existing(settings.knowledge_db_url)
        try:
            with Session(engine) as session:
                facts = count_facts(session)
        finally:
            engine.dispose()
    except KnowledgeUnavailable as error:
        raise StartupError(str(error)) from error
    except SQLAlchemyError as error:
        raise StartupError(
            f"knowledge database {settings.knowledge_db_url} is unreadable ({error.__class__.__name__}): "
            "run `make knowledge`"
        ) from error
    if facts == 0:
        raise StartupError(f"knowledge database {settings.knowledge_db_url} is empty: run `make knowledge`")


# Rasa's SQL store with its queries off the event loop (bot/tracker_store.py); same tables.
TRACKER_STORE = "bot.tracker_store.ConcurrentSQLTrackerStore"


# Rasa's Redis lock store with atomic ticket updates (bot/lock_store.py).
LOCK_STORE = "bot.lock_store.AtomicRedisLockStore"


def tracker_store_endpoint(url: str) -> dict[str, Any]:
    """Rasa's SQL tracker store for a SQLAlchemy URL: Rasa takes the parts, not the URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return {"type": TRACKER_STORE, "dialect": "sqlite", "db": parsed.database}
    parts = {"type": TRACKER_STORE, "dialect": parsed.drivername, "url": parsed.host, "port": parsed.port,
             "db": parsed.database, "username": parsed.username, "password": parsed.password,
             "query": dict(parsed.query) or None}
    return {key: value for key, value in parts.items() if value is not None}


def lock_store_endpoint(url: Optional[str]) -> dict[str, Any]:
    """Rasa's Redis lock store for redis://[user:password@]host:port/db; in memory without one."""
    if url is None:
        return {"type": "in_memory"}
    parts = urlsplit(url)
    endpoint: dict[str, Any] = {"type": LOCK_STORE, "url": parts.hostname, "port": parts.port or 6379,
                                "db": int(parts.path.strip("/") or 0)}
    if parts.username:
        endpoint["username"] = unquote(parts.username)
    if parts.password:
        endpoint["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        endpoint["use_ssl"] = True
    return endpoint


def _loopback(host: str) -> str:
    """Where this machine reaches a server bound to host."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::", "localhost") else host


def action_endpoint(settings: Settings) -> dict[str, Any]:
    """Rasa calls its own action guard (channel `action_guard`, bot/action_guard.py).

    The token is new at each start and only Rasa knows it; the guard forwards to `upstream`
    and waits `upstream_timeout_s`. Rasa keeps these two extra keys in EndpointConfig.kwargs.
    """
    return {"url": f"http://{_loopback(settings.host)}:{settings.bot_port}/webhooks/action_guard/webhook",
            "token": secrets.token_urlsafe(32),
            "upstream": f"http://127.0.0.1:{settings.actions_port}/webhook",
            "upstream_timeout_s": settings.action_timeout_s}


def write_endpoints(settings: Settings) -> Path:
    """bot/endpoints.yml with this run's action endpoint (the guard), tracker store and lock store."""
    endpoints = yaml.safe_load((ROOT / "bot" / "endpoints.yml").read_text("utf-8"))
    endpoints["action_endpoint"] = action_endpoint(settings)
    endpoints["tracker_store"] = tracker_store_endpoint(settings.tracker_db_url)
    endpoints["lock_store"] = lock_store_endpoint(settings.lock_store_url)
    path = settings.var_dir / "endpoints.yml"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), "utf-8")
    path.chmod(0o600)  # it may hold the database and Redis passwords
    return path


def commands(settings: Settings, endpoints: Path) -> dict[str, list[str]]:
    """The two server command lines."""
    python = sys.executable
    return {
        "actions": [python, "-m", "rasa_sdk", "--actions", "actions",
                    "--port", str(settings.actions_port)],
        # bot.rasa_server is `rasa run`, adding the API credentials from the environment.
        "rasa": [python, "-m", "bot.rasa_server", "run", "--model", str(settings.model_path),
                 "--endpoints", str(endpoints),
                 "--credentials", str(ROOT / "bot" / "credentials.yml"),
                 "--interface", settings.host, "--port", str(settings.bot_port),
                 *(["--enable-api"] if settings.rasa_api else []),
                 "--cors", *settings.cors_origins],
        "web": [python, "-m", "bot.webserver"],
    }


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
            command, cwd=ROOT, env=env, start_new_session=True, preexec_fn=_die_with_parent
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


def main() -> int:
    """Start the assistant and keep it running until Ctrl-C or SIGTERM."""
    _die_with_parent()
    try:
        settings = Settings.from_env()
        check_ready(settings)
    except (SettingsError, StartupError) as error:
        print(f"serve: {error}", file=sys.stderr)
        return 2

    supervisor = Supervisor(settings)

    def _stop(signum: int, _frame: Optional[FrameType]) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        for name, command in commands(settings, write_endpoints(settings)).items():
            supervisor.start(name, command)
        supervisor.wait_until_ready({
            "actions": f"http://127.0.0.1:{settings.actions_port}/health",
            "rasa": f"http://127.0.0.1:{settings.bot_port}/",
            "web": f"http://127.0.0.1:{settings.web_port}/health",
        })
        base = f"http://{settings.host}:{settings.bot_port}"
        print(
            "\nThe assistant is ready:\n"
            f"  REST       POST {base}/webhooks/rest/webhook  {{\"sender\": \"...\", \"message\": \"...\"}}\n"
            f"  socket.io  {base}/socket.io (allowed origins: {', '.join(settings.cors_origins)})\n"
            f"  actions    http://127.0.0.1:{settings.actions_port}/webhook\n"
            f"  web page   http://{settings.host}:{settings.web_port}/ (the chat widget)\n"
            f"  review     http://{settings.host}:{settings.web_port}/review "
            f"({'token from REVIEW_TOKEN' if settings.review_token else 'disabled: set REVIEW_TOKEN'})\n"
            "Stop with Ctrl-C.\n",
            flush=True,
        )
        return supervisor.watch()
    except StartupError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("serve: stopping", file=sys.stderr, flush=True)
        return 0
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())
