"""`rasa run`, with the HTTP API's credentials taken from the environment, not the command line.

    python -m bot.rasa_server run --model ... [--enable-api]      (what bot/serve.py starts)

It also installs bot/rasa_speedups.py (two per-message costs of Rasa 3.6 removed).
A process's command line is readable by every user of the machine (`ps`); RASA_AUTH_TOKEN
and RASA_JWT_SECRET are therefore added to Rasa's arguments inside the process.
"""
from __future__ import annotations

import sys

from bot.settings import Settings


def rasa_arguments(arguments: list[str], settings: Settings) -> list[str]:
    """The arguments given, plus the API credentials when the API is on."""
    extra: list[str] = []
    if "--enable-api" in arguments:
        if settings.rasa_auth_token:
            extra += ["--auth-token", settings.rasa_auth_token]
        if settings.rasa_jwt_secret:
            extra += ["--jwt-secret", settings.rasa_jwt_secret]
    return [*arguments, *extra]


def main() -> None:
    """Run Rasa's command line with the completed arguments."""
    from rasa.__main__ import main as rasa_main

    from bot import rasa_speedups

    rasa_speedups.install()  # same results, less CPU per message

    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], Settings.from_env())]
    rasa_main()


if __name__ == "__main__":
    main()
