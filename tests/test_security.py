"""Locked-down defaults: loopback, Rasa's HTTP API off, and on only with credentials."""
from __future__ import annotations

import pytest

from bot.server.__main__ import rasa_arguments
from bot.processes import commands
from bot.settings import Settings, SettingsError


def test_servers_bind_loopback_and_the_api_is_off_by_default(tmp_path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path)})
    rasa = commands(settings, tmp_path / "endpoints.yml")["rasa"]
    assert rasa[rasa.index("--interface") + 1] == "127.0.0.1"
    assert "--enable-api" not in rasa and "--auth-token" not in rasa
    assert settings.rasa_api is False and settings.rasa_auth_token is None


@pytest.mark.parametrize("env", [{"RASA_ENABLE_API": "true"}, {"RASA_ENABLE_API": "1", "RASA_AUTH_TOKEN": ""}])
def test_the_api_is_refused_without_credentials(env):
    with pytest.raises(SettingsError, match="RASA_AUTH_TOKEN or RASA_JWT_SECRET"):
        Settings.from_env(env)


def test_the_api_token_goes_to_rasa_but_never_on_the_command_line(tmp_path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "RASA_ENABLE_API": "true",
                                  "RASA_AUTH_TOKEN": "s3cret-token"})
    rasa = commands(settings, tmp_path / "endpoints.yml")["rasa"]
    assert "--enable-api" in rasa and not any("s3cret" in part for part in rasa)
    assert rasa_arguments(rasa[3:], settings)[-2:] == ["--auth-token", "s3cret-token"]
    assert "s3cret" not in repr(settings)


def test_credentials_are_ignored_while_the_api_is_off(tmp_path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path), "RASA_AUTH_TOKEN": "unused"})
    assert settings.rasa_auth_token is None
    assert rasa_arguments(["run", "--port", "5005"], settings) == ["run", "--port", "5005"]
