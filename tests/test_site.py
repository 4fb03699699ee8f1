"""The programme page's values: facts with their sources, and where the widget finds Rasa."""
from __future__ import annotations

import pytest

from bot.settings import Settings, SettingsError
from bot.site import page_values


def test_the_widget_points_at_this_machine_by_default(kb_url):
    values = page_values(Settings.from_env({"KNOWLEDGE_DB_URL": kb_url, "BOT_PORT": "5123"}))
    assert values["server"] == "http://127.0.0.1:5123"
    everywhere = Settings.from_env({"KNOWLEDGE_DB_URL": kb_url, "BIND_HOST": "0.0.0.0"})
    assert page_values(everywhere)["server"] == "http://127.0.0.1:5005"


@pytest.mark.parametrize("url, expected", [
    ("https://chat.cestes.example/", "https://chat.cestes.example"),
    ("http://10.0.0.5:8000", "http://10.0.0.5:8000"),
    ("https://www.example.org/assistant", "https://www.example.org/assistant"),
])
def test_behind_a_load_balancer_the_widget_uses_the_public_address(kb_url, url, expected):
    settings = Settings.from_env({"KNOWLEDGE_DB_URL": kb_url, "PUBLIC_BOT_URL": url})
    assert page_values(settings)["server"] == expected


@pytest.mark.parametrize("url", [
    "chat.example.org", "ftp://chat.example.org", "https://", "javascript:alert(1)",
    "https://chat.example.org/?x=1", "https://chat.example.org/#top", "https://user:pw@chat.example.org",
    "http://chat.example.org:99999", 'https://chat.example.org/"><script>',
])
def test_a_bad_public_address_is_refused_at_start(url):
    with pytest.raises(SettingsError, match="PUBLIC_BOT_URL must look like https://chat.example.org"):
        Settings.from_env({"PUBLIC_BOT_URL": url})
