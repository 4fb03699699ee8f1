"""The chat widget on the programme page, in a real browser (Debian's Chromium via Playwright)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.settings import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = ROOT / "var" / "test-output"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(),
                                reason="Debian's chromium is not installed (.ci/run installs it)")
FLAGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield browser
        browser.close()


@pytest.fixture()
def page(browser, assistant):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.dialogs = []
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(f"http://127.0.0.1:{assistant.web_port}/")
    yield page
    context.close()


def bot_messages(page):
    return page.locator(".cw-bot")


def wait_for_bot(page, count, fragment):
    page.wait_for_function(
        "([n, f]) => { const m = document.querySelectorAll('.cw-bot'); "
        "return m.length >= n && Array.from(m).some(x => x.textContent.includes(f)); }",
        arg=[count, fragment], timeout=60_000)


def test_page_greeting_quick_reply_question_and_reload(page):
    assert page.locator("html").get_attribute("lang") == "fr"
    assert "Manager d'organismes" in page.locator("h1").inner_text()
    assert "10 005 €" in page.locator("main").inner_text()  # from the knowledge base
    page.get_by_role("button", name="Une question ?").click()
    assert page.get_by_role("dialog", name="Assistant CESTES").is_visible()
    wait_for_bot(page, 1, "Bonjour")
    page.get_by_role("button", name="Coût", exact=True).click()
    wait_for_bot(page, 2, "10 005 €")
    page.get_by_label("Votre message").fill("Quel est le rythme de la formation ?")
    page.get_by_role("button", name="Envoyer").click()
    wait_for_bot(page, 3, "cinq jours tous les deux mois")
    assert page.locator(".cw-msg a[href='mailto:par_cestes@lecnam.net']").count() >= 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "widget.png"))
    page.reload()
    page.get_by_role("button", name="Une question ?").click()
    assert "cinq jours tous les deux mois" in page.locator(".cw-log").inner_text()
    assert page.locator(".cw-user").first.inner_text().endswith("Coût")


def test_keyboard_only(page):
    launcher = page.get_by_role("button", name="Une question ?")
    for _ in range(10):  # through the page's own links, to the launcher
        page.keyboard.press("Tab")
        if launcher.evaluate("el => el === document.activeElement"):
            break
    assert launcher.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    wait_for_bot(page, 1, "Bonjour")
    assert page.get_by_label("Votre message").evaluate("el => el === document.activeElement")
    page.keyboard.type("Peut-on obtenir le diplôme par la VAE ?")
    page.keyboard.press("Enter")
    wait_for_bot(page, 2, "validation des acquis")
    page.get_by_role("button", name="CPF", exact=True).focus()
    page.keyboard.press("Enter")
    wait_for_bot(page, 3, "éligible au CPF")
    page.keyboard.press("Escape")
    assert page.get_by_role("dialog").is_hidden()
    assert launcher.evaluate("el => el === document.activeElement")
    assert launcher.get_attribute("aria-expanded") == "false"


def test_markup_is_shown_as_text(page):
    page.get_by_role("button", name="Une question ?").click()
    wait_for_bot(page, 1, "Bonjour")
    page.get_by_label("Votre message").fill("<script>alert(1)</script><img src=x onerror=alert(2)>")
    page.keyboard.press("Enter")
    # A function, not an expression: Playwright evaluates an expression with eval, which the
    # page's Content-Security-Policy refuses ('unsafe-eval' is not allowed).
    page.wait_for_function("() => document.querySelectorAll('.cw-bot').length >= 2", timeout=60_000)
    assert page.locator(".cw-user").last.inner_text().endswith("<script>alert(1)</script><img src=x onerror=alert(2)>")
    assert page.locator(".cw-log script, .cw-log img").count() == 0
    assert page.dialogs == []


def test_unread_badge_and_typing_indicator(page):
    page.get_by_role("button", name="Une question ?").click()
    wait_for_bot(page, 1, "Bonjour")
    # The answer is held back until the indicator has been seen: a fast server would otherwise
    # answer before the check.
    held = []
    page.route("**/webhooks/rest/webhook", lambda route: held.append(route))
    page.get_by_label("Votre message").fill("Combien de temps dure la formation ?")
    page.keyboard.press("Enter")
    while not held:
        page.wait_for_timeout(50)
    assert page.locator(".cw-typing").is_visible()  # shown until the answer arrives
    page.keyboard.press("Escape")
    held[0].continue_()
    badge = page.locator(".cw-badge")
    badge.wait_for(state="visible", timeout=60_000)
    assert int(badge.inner_text()) >= 1
    page.get_by_role("button", name="Une question ?").click()
    assert badge.is_hidden() and "490 heures" in page.locator(".cw-log").inner_text()


def test_accessibility_basics_and_mobile_layout(page):
    launcher = page.get_by_role("button", name="Une question ?")
    launcher.click()
    log = page.locator("[role=log]")
    assert log.get_attribute("aria-live") == "polite"
    assert page.get_by_role("button", name="Fermer la discussion").is_visible()
    page.set_viewport_size({"width": 375, "height": 700})
    width = page.locator(".cw-panel").evaluate("el => el.getBoundingClientRect().width")
    assert width == 375


def test_unreachable_server_gives_a_french_error_with_the_email(browser, assistant):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.route("**/webhooks/rest/webhook", lambda route: route.abort())
    page.goto(f"http://127.0.0.1:{assistant.web_port}/")
    page.get_by_role("button", name="Une question ?").click()
    page.wait_for_selector(".cw-error", timeout=30_000)
    error = page.locator(".cw-error").first.inner_text()
    assert "ne répond pas" in error and "par_cestes@lecnam.net" in error
    context.close()


def test_an_empty_reply_is_reported_in_french(browser, assistant):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"http://127.0.0.1:{assistant.web_port}/")
    page.get_by_role("button", name="Une question ?").click()
    wait_for_bot(page, 1, "Bonjour")
    page.route("**/webhooks/rest/webhook", lambda route: route.fulfill(
        status=200, content_type="application/json", body="[]",
        headers={"Access-Control-Allow-Origin": "*"}))
    page.get_by_label("Votre message").fill("Combien coûte la formation ?")
    page.keyboard.press("Enter")
    page.wait_for_selector(".cw-error", timeout=30_000)
    assert "par_cestes@lecnam.net" in page.locator(".cw-error").first.inner_text()
    context.close()
