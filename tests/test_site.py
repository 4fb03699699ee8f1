"""The programme page's values: facts with their sources, and where the widget finds Rasa;
the page rendered from its template, and the web app that serves it."""
from __future__ import annotations

import asyncio
import html

import pytest
from aiohttp.test_utils import TestClient, TestServer
from markupsafe import escape

from bot.settings import Settings, SettingsError
from bot.web.app import create_app
from bot.web.common import environment
from bot.web.site import PAGE_FACTS, page_values, render_page


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


def test_the_page_template_escapes_every_value():
    values = {name: f'<b class="x">{name} & \'co\'</b>' for name in [*PAGE_FACTS, "source", "server"]}
    page = render_page(environment(), values)
    assert "<b" not in page.split("<body>")[1]
    for value in values.values():
        assert str(escape(value)) in page
    assert f'data-server="{escape(values["server"])}"' in page


def test_the_web_app_serves_the_page_the_widget_and_the_review_sub_application(kb_url, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DB_URL", kb_url)
    monkeypatch.setenv("REVIEW_TOKEN", "token")
    settings = Settings.from_env()
    values = page_values(settings)

    async def scenario():
        async with TestClient(TestServer(create_app(settings))) as client:
            page = await client.get("/")
            text = await page.text()
            assert page.status == 200 and page.content_type == "text/html"
            assert all(str(escape(value)) in text for value in values.values())
            assert "Manager d'organismes" in html.unescape(text) and "{{" not in text
            # Under a policy without 'unsafe-inline' (tests/test_web_security.py): no inline style.
            assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"] and "<style" not in text
            assert '<link rel="stylesheet" href="/static/programme.css">' in text
            assert (await client.get("/static/programme.css")).content_type == "text/css"
            assert (await client.get("/widget/widget.js")).status == 200
            assert (await client.get("/widget/index.html")).status == 404  # a template, not a static file
            assert (await client.get("/health")).status == 200
            refused = await client.get("/review")
            assert refused.status == 401 and "Accès réservé" in await refused.text()
            allowed = await client.get("/review/api/dashboard", headers={"Authorization": "Bearer token"})
            assert allowed.status == 200 and "fallback_rate" in await allowed.json()

    asyncio.run(scenario())


def test_without_the_knowledge_base_the_page_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DB_URL", f"sqlite:///{tmp_path / 'missing.db'}")

    async def scenario():
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            page = await client.get("/")
            assert page.status == 503 and "make knowledge" in await page.text()

    asyncio.run(scenario())
    assert not (tmp_path / "missing.db").exists()
