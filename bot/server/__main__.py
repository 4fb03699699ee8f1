"""`rasa run`, with the HTTP API's credentials taken from the environment, not the command line.

    python -m bot.server run --model ... [--enable-api]      (what bot/__main__.py starts)

Before Rasa starts it installs bot/server/patches.py (per-message costs of Rasa 3.6 removed),
which first checks that Rasa is the version the assistant was written for: otherwise it says so
in one line on stderr and exits with status 2.

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
    """Run Rasa's command line with the completed arguments, Rasa patched (or exit 2)."""
    from bot.server import patches

    try:
        patches.install()  # same results, less CPU per message
    except patches.RasaVersionError as error:
        # Overrides written for another Rasa would fail later, and less clearly.
        print(f"rasa server: {error}", file=sys.stderr)
        sys.exit(2)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *rasa_arguments(sys.argv[1:], Settings.from_env())]
    rasa_main()


if __name__ == "__main__":
    main()
