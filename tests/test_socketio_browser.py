"""socket.io from a page on another origin, as a Rasa widget embedded on another site uses it:
the standard socket.io-client bundle in a real browser (Debian's Chromium via Playwright),
since Python clients ignore CORS. Only the allowed origins (CORS_ORIGINS) get an answer, and
the CORS headers come once (bot/server/channels.py)."""
from __future__ import annotations

import functools
import http.client
import json
import shutil
import subprocess
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from bot.settings import ROOT

BROWSER = ROOT / "tests" / "browser"  # the page, and node_modules/ that npm installs there
CLIENT = "socket.io-client@4.7.5"  # 4.x: Engine.IO 4, as python-socketio 5.9 speaks it
BUNDLE = BROWSER / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # as test_widget
QUESTION = "Combien coûte la formation ?"
PRICE = "10 005 €"
ACAO = "Access-Control-Allow-Origin"
POLLING = "/socket.io/?EIO=4&transport=polling"


def installed_version() -> str | None:
    package = BUNDLE.parents[1] / "package.json"
    return json.loads(package.read_text())["version"] if BUNDLE.is_file() and package.is_file() else None


@pytest.fixture(scope="module")
def bundle() -> Path:
    """socket.io-client's browser bundle, installed from the npm registry once (tests only)."""
    if installed_version() != CLIENT.rpartition("@")[2]:
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail(f"npm is not installed: it is needed to install {CLIENT} for the browser test")
        try:
            done = subprocess.run([npm, "install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
                                   "--prefix", str(BROWSER), CLIENT],
                                  capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired:
            pytest.fail(f"`npm install {CLIENT}` took more than 300 s: is the npm registry reachable?")
        if done.returncode != 0 or installed_version() != CLIENT.rpartition("@")[2]:
            pytest.fail(f"`npm install --prefix {BROWSER} {CLIENT}` failed (exit {done.returncode}), "
                        f"the browser test needs it:\n{(done.stderr or done.stdout)[-2000:]}")
    return BUNDLE


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(port: int) -> ThreadingHTTPServer:
    """tests/browser/ over HTTP on 127.0.0.1:port (0: any free port), from a thread."""
    server = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(QuietHandler, directory=str(BROWSER)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def origins(assistant, bundle):
    """The test page from two origins other than the assistant's: one in CORS_ORIGINS, one not."""
    allowed, refused = serve(assistant.page_port), serve(0)
    yield SimpleNamespace(allowed=f"http://127.0.0.1:{allowed.server_address[1]}",
                          refused=f"http://127.0.0.1:{refused.server_address[1]}")
    for server in (allowed, refused):
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).is_file():
        pytest.fail(f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


def open_page(browser, origin: str, assistant, transports: str = ""):
    """The test page at `origin`, talking to the assistant; its console kept in page.console."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    query = {"bot": f"http://127.0.0.1:{assistant.bot_port}", "message": QUESTION}
    if transports:
        query["transports"] = transports
    page.goto(f"{origin}/socketio.html?{urlencode(query)}")
    return page


def events(page) -> list[dict]:
    return page.evaluate("() => window.events")


def answers(page) -> str:
    return "\n".join(str(e["message"].get("text", "")) for e in events(page) if e["event"] == "bot_uttered")


@pytest.mark.parametrize("transports", ["", "polling"], ids=["default-transports", "polling-only"])
def test_a_page_on_an_allowed_origin_gets_the_answer_over_socketio(assistant, origins, browser, transports):
    page = open_page(browser, origins.allowed, assistant, transports)
    try:
        deadline = time.monotonic() + 90
        while PRICE not in answers(page) and time.monotonic() < deadline:
            page.wait_for_timeout(250)
        assert PRICE in answers(page), f"events: {events(page)}\nconsole: {page.console}"
        greeting, answer = [e["message"].get("text", "") for e in events(page) if e["event"] == "bot_uttered"][:2]
        assert greeting.startswith("Bonjour ! Je suis l'assistant du CESTES") and PRICE in answer
        assert not [line for line in page.console if "CORS" in line or "Access-Control" in line]
    finally:
        page.context.close()


@pytest.mark.parametrize("transports", ["", "websocket"], ids=["default-transports", "websocket-only"])
def test_a_page_on_another_origin_cannot_connect(assistant, origins, browser, transports):
    page = open_page(browser, origins.refused, assistant, transports)
    try:
        page.wait_for_function("() => window.events.some(e => e.event === 'connect_error')", timeout=15_000)
        page.wait_for_timeout(4_000)  # time enough for an answer, were the connection accepted
        seen = [e["event"] for e in events(page)]
        assert "connect" not in seen and "bot_uttered" not in seen, f"events: {events(page)}"
    finally:
        page.context.close()


def raw_headers(port: int, method: str, path: str, origin: str) -> tuple[int, list[tuple[str, str]]]:
    """Status and every header line of the answer, repeated ones included."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "content-type"})
        response = connection.getresponse()
        response.read()
        return response.status, response.getheaders()
    finally:
        connection.close()


def granted(headers: list[tuple[str, str]]) -> list[str]:
    return [value for name, value in headers if name.lower() == ACAO.lower()]


@pytest.mark.parametrize("method", ["GET", "OPTIONS"])
def test_socketio_grants_an_allowed_origin_once_and_another_origin_never(assistant, origins, method):
    status, headers = raw_headers(assistant.bot_port, method, POLLING, origins.allowed)
    assert status == 200 and granted(headers) == [origins.allowed], headers
    status, headers = raw_headers(assistant.bot_port, method, POLLING, origins.refused)
    assert status == 400 and granted(headers) == [], headers
    # REST keeps Rasa's CORS (`--cors`), restricted the same way, once too.
    status, headers = raw_headers(assistant.bot_port, "OPTIONS", "/webhooks/rest/webhook", origins.allowed)
    assert status == 200 and granted(headers) == [origins.allowed], headers
    status, headers = raw_headers(assistant.bot_port, "OPTIONS", "/webhooks/rest/webhook", origins.refused)
    assert granted(headers) == [], headers
