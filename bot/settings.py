"""Settings from the environment, in one place, with defaults that run on a laptop."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Mapping, Optional
from urllib.parse import SplitResult, urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from knowledge.db import PROJECT_ROOT, default_url, var_dir as _var_dir

ROOT = PROJECT_ROOT


class SettingsError(ValueError):
    """An environment variable holds a value the assistant cannot use."""


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name}={raw!r} is not a TCP port (1-65535).")
    return int(raw)


def _positive(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise SettingsError(f"{name}={raw!r} must be a whole number of days (1 or more).")
    return int(raw)


def _database_url(env: Mapping[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or "").strip() or default
    try:
        make_url(raw)
    except ArgumentError:  # the value is not echoed: it may hold a password
        raise SettingsError(f"{name} is not a SQLAlchemy URL "
                            "(e.g. postgresql://user:password@host:5432/database).") from None
    return raw


def _url(env: Mapping[str, str], name: str, valid: Callable[[SplitResult], bool], looks_like: str) -> Optional[str]:
    """An optional URL setting, refused at start with what it should look like."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return None
    try:
        accepted = valid(urlsplit(raw))
    except ValueError:  # a port that is not a number, or out of range
        accepted = False
    if not accepted:
        raise SettingsError(f"{name} must look like {looks_like}.")
    return raw


def _redis_url(env: Mapping[str, str], name: str) -> Optional[str]:
    return _url(env, name, lambda parts: (
        parts.scheme in ("redis", "rediss") and bool(parts.hostname)
        and (parts.port or 0) >= 0 and (parts.path.strip("/") or "0").isdigit()
    ), "redis://[:password@]host:6379/0")


def _public_url(env: Mapping[str, str], name: str) -> Optional[str]:
    """An address browsers use: http(s)://host[:port][/path], without query, fragment,
    credentials or characters that would need quoting."""
    url = _url(env, name, lambda parts: (
        parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 0) >= 0
        and not (parts.query or parts.fragment or parts.username or parts.password)
        and not any(c.isspace() or c in '"<>\\\'`' for c in parts.geturl())
    ), "https://chat.example.org (http or https, no query)")
    return url.rstrip("/") if url else None


def _rasa_api(env: Mapping[str, str]) -> dict[str, Any]:
    """RASA_ENABLE_API with its credentials; refused without any (see Settings.rasa_api)."""
    enabled = (env.get("RASA_ENABLE_API") or "false").strip().lower() in ("true", "1", "yes")
    token, secret = env.get("RASA_AUTH_TOKEN") or None, env.get("RASA_JWT_SECRET") or None
    if enabled and not (token or secret):
        raise SettingsError("RASA_ENABLE_API needs RASA_AUTH_TOKEN or RASA_JWT_SECRET: without them "
                            "anyone who reaches the port could replace the model or read conversations")
    return {"rasa_api": enabled, "rasa_auth_token": token if enabled else None,
            "rasa_jwt_secret": secret if enabled else None}


def _date(env: Mapping[str, str], name: str) -> Optional[date]:
    value = (env.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"{name} must be a date written YYYY-MM-DD, not {value!r}") from None


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if not 0 < value <= 300:
        raise SettingsError(f"{name}={raw!r} must be a number of seconds (more than 0, at most 300).")
    return value


@dataclass(frozen=True)
class SmtpSettings:
    """Where handoff e-mails are sent; absent when SMTP_HOST is not set."""

    host: str
    port: int
    user: Optional[str]
    password: Optional[str] = field(repr=False)
    starttls: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["SmtpSettings"]:
        """None when SMTP is not configured."""
        host = (env.get("SMTP_HOST") or "").strip()
        if not host:
            return None
        starttls = (env.get("SMTP_STARTTLS") or "false").strip().lower()
        if starttls not in ("true", "false", "1", "0", "yes", "no"):
            raise SettingsError(f"SMTP_STARTTLS={starttls!r} must be true or false.")
        return cls(host=host, port=_port(env, "SMTP_PORT", 25),
                   user=env.get("SMTP_USER") or None, password=env.get("SMTP_PASSWORD") or None,
                   starttls=starttls in ("true", "1", "yes"))


@dataclass(frozen=True)
class Settings:
    """Where state lives and which ports the servers use."""

    var_dir: Path
    knowledge_db_url: str
    tracker_db_url: str
    lock_store_url: Optional[str]
    model_path: Path
    host: str
    bot_port: int
    actions_port: int
    web_port: int
    cors_origins: tuple[str, ...]
    handoff_db_url: str
    smtp: Optional["SmtpSettings"]
    handoff_from: str
    handoff_to: Optional[str]
    review_db_url: str
    review_token: Optional[str] = field(repr=False)
    retention_days: int
    promote_file: Path
    feedback_buttons: bool
    # How long the Rasa server waits for a custom action before apologising (bot/server/action_guard.py).
    action_timeout_s: float
    # The Rasa server's address as browsers reach it (a load balancer's), for the widget of
    # the programme page; None: this machine's BOT_PORT (see public_bot_url).
    public_bot: Optional[str] = None
    # Rasa's HTTP API (RASA_ENABLE_API): off by default; on, it requires RASA_AUTH_TOKEN or
    # RASA_JWT_SECRET, since it can replace the model (CVE-2024-49375) and read conversations.
    rasa_api: bool = False
    rasa_auth_token: Optional[str] = field(default=None, repr=False)
    rasa_jwt_secret: Optional[str] = field(default=None, repr=False)
    # The date answers are checked against (facts to re-check, expired documents):
    # ASSISTANT_TODAY (YYYY-MM-DD) fixes it, for tests and demonstrations; None: today.
    fixed_today: Optional[date] = None
    # How often each Rasa server process checks for a model released from the review page
    # (bot/server/model_swap.py).
    model_poll_s: float = 2.0

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Read the settings; every variable is optional."""
        env = os.environ if env is None else env
        var_dir = _var_dir(env)
        web_port = _port(env, "WEB_PORT", 8080)
        return cls(
            var_dir=var_dir,
            knowledge_db_url=default_url(env),
            tracker_db_url=_database_url(env, "TRACKER_DB_URL", f"sqlite:///{var_dir / 'tracker.db'}"),
            # None: Rasa's in-memory lock store, right for one server with one worker only.
            lock_store_url=_redis_url(env, "LOCK_STORE_URL"),
            model_path=Path(env.get("MODEL_PATH") or ROOT / "models" / "assistant.tar.gz"),
            host=env.get("BIND_HOST") or "127.0.0.1",
            bot_port=_port(env, "BOT_PORT", 5005),
            actions_port=_port(env, "ACTIONS_PORT", 5055),
            web_port=web_port,
            cors_origins=tuple(
                origin.strip()
                for origin in (env.get("CORS_ORIGINS") or "").split(",")
                if origin.strip()
            )
            or (f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}"),
            handoff_db_url=env.get("HANDOFF_DB_URL") or f"sqlite:///{var_dir / 'handoff.db'}",
            smtp=SmtpSettings.from_env(env),
            handoff_from=env.get("HANDOFF_FROM") or "assistant-cestes@localhost",
            handoff_to=env.get("HANDOFF_TO") or None,
            review_db_url=env.get("REVIEW_DB_URL") or f"sqlite:///{var_dir / 'review.db'}",
            review_token=env.get("REVIEW_TOKEN") or None,
            retention_days=_positive(env, "REVIEW_RETENTION_DAYS", 180),
            # Questions staff promoted from the review page: kept with the state, trained only
            # after `make adopt-promoted` has copied them into data/nlu/ (see the README).
            promote_file=Path(env.get("PROMOTE_FILE") or var_dir / "promoted.yml"),
            feedback_buttons=(env.get("FEEDBACK_BUTTONS") or "true").strip().lower()
            not in ("false", "0", "no"),
            action_timeout_s=_seconds(env, "ACTION_TIMEOUT_S", 8.0),
            public_bot=_public_url(env, "PUBLIC_BOT_URL"),
            fixed_today=_date(env, "ASSISTANT_TODAY"),
            model_poll_s=_seconds(env, "MODEL_POLL_S", 2.0),
            **_rasa_api(env),
        )

    def today(self) -> date:
        """Today, or the date ASSISTANT_TODAY fixes."""
        return self.fixed_today or date.today()

    @property
    def public_bot_url(self) -> str:
        """Where the widget finds the Rasa server: PUBLIC_BOT_URL, or this machine's BOT_PORT."""
        if self.public_bot:
            return self.public_bot
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host
        return f"http://{host}:{self.bot_port}"
