"""Settings from the environment, in one place, with defaults that run on a laptop."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Optional

ROOT = Path(__file__).resolve().parent.parent


class SettingsError(ValueError):
    """An environment variable holds a value the assistant cannot use."""


def _port(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise SettingsError(f"{name}={raw!r} is not a TCP port (1-65535).")
    return int(raw)


@dataclass(frozen=True)
class Settings:
    """Where state lives and which ports the servers use."""

    var_dir: Path
    knowledge_db_url: str
    tracker_db_path: Path
    model_path: Path
    host: str
    bot_port: int
    actions_port: int
    web_port: int
    cors_origins: tuple[str, ...]

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "Settings":
        """Read the settings; every variable is optional."""
        env = os.environ if env is None else env
        var_dir = Path(env.get("VAR_DIR") or ROOT / "var").resolve()
        web_port = _port(env, "WEB_PORT", 8080)
        return cls(
            var_dir=var_dir,
            knowledge_db_url=env.get("KNOWLEDGE_DB_URL")
            or f"sqlite:///{var_dir / 'knowledge.db'}",
            tracker_db_path=var_dir / "tracker.db",
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
        )
