"""The three server processes of the assistant: their command lines and the endpoints file
Rasa reads (action guard, tracker store, lock store), from the settings."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

import yaml
from sqlalchemy.engine import make_url

from bot.settings import ROOT, Settings

# Rasa's SQL store with its queries off the event loop (bot/server/tracker_store.py); same tables.
TRACKER_STORE = "bot.server.tracker_store.ConcurrentSQLTrackerStore"


# Rasa's Redis lock store with atomic ticket updates (bot/server/lock_store.py).
LOCK_STORE = "bot.server.lock_store.AtomicRedisLockStore"


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
    """Rasa calls its own action guard (channel `action_guard`, bot/server/action_guard.py).

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


def served_model(settings: Settings) -> Path:
    """The model the Rasa server starts on: the newest one released from the review page, unless
    the repository's is newer (bot/review/releases.py); the repository's when there is none."""
    from bot.review import releases

    model = releases.wanted(settings, releases.latest(settings))
    return model if model.is_file() else settings.model_path


def commands(settings: Settings, endpoints: Path) -> dict[str, list[str]]:
    """The three server command lines."""
    python = sys.executable
    return {
        "actions": [python, "-m", "rasa_sdk", "--actions", "actions",
                    "--port", str(settings.actions_port)],
        # bot.server is `rasa run`, adding the API credentials from the environment.
        "rasa": [python, "-m", "bot.server", "run", "--model", str(served_model(settings)),
                 "--endpoints", str(endpoints),
                 "--credentials", str(ROOT / "bot" / "credentials.yml"),
                 "--interface", settings.host, "--port", str(settings.bot_port),
                 *(["--enable-api"] if settings.rasa_api else []),
                 "--cors", *settings.cors_origins],
        "web": [python, "-m", "bot.web"],
    }


