"""What `make run` starts and supervises: the action server, the Rasa server and the web app.

    python -m bot        (settings in bot/settings.py)
"""
from __future__ import annotations

import signal
import sys
from types import FrameType
from typing import Optional

from sqlalchemy.exc import SQLAlchemyError

from bot import db
from bot.processes import commands, write_endpoints
from bot.server.patches import RasaVersionError, check_versions
from bot.settings import Settings, SettingsError
from bot.supervisor import StartupError, Supervisor, die_with_parent
from knowledge.db import KnowledgeUnavailable
from knowledge.queries import count_facts


def check_ready(settings: Settings) -> None:
    """Fail early, with the fix, when a pinned package, the knowledge database or the model is
    not what the assistant needs."""
    try:
        check_versions()
    except RasaVersionError as error:
        raise StartupError(str(error)) from error
    try:
        with db.existing_session(settings.knowledge_db_url) as session:
            facts = count_facts(session)
    except KnowledgeUnavailable as error:
        raise StartupError(str(error)) from error
    except SQLAlchemyError as error:
        raise StartupError(
            f"knowledge database {settings.knowledge_db_url} is unreadable ({error.__class__.__name__}): "
            "run `make knowledge`"
        ) from error
    if facts == 0:
        raise StartupError(f"knowledge database {settings.knowledge_db_url} is empty: run `make knowledge`")
    if not settings.model_path.is_file():
        raise StartupError(f"model {settings.model_path} not found: run `make train`")


def main() -> int:
    """Start the assistant and keep it running until Ctrl-C or SIGTERM."""
    die_with_parent()
    try:
        settings = Settings.from_env()
        check_ready(settings)
    except (SettingsError, StartupError) as error:
        print(f"serve: {error}", file=sys.stderr)
        return 2
    finally:
        db.dispose_all()

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
