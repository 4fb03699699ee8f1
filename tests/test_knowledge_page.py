"""The staff's "Connaissances" pages over HTTP (same token as /review): the facts by topic in
French with their documents, dates and the ones to re-check; a document added and a fact updated
through the forms, a refused change shown in French with nothing changed, the history and a
restore; everything escaped, no script."""
from __future__ import annotations

import asyncio
import html as html_module
import re
from typing import Any, Awaitable, Callable

import pytest
from aiohttp import MultipartWriter
from aiohttp.test_utils import TestClient, TestServer

from bot.settings import Settings
from bot.web.app import create_app
from knowledge.loader import read_dataset
from tests.conftest import NEW_PAGE, NEW_QUOTE, NEW_VALUES, STAFF_TOKEN

TOKEN = STAFF_TOKEN
BEARER = {"Authorization": f"Bearer {TOKEN}"}
PAGE = "/review/connaissances"
QUOTE = NEW_QUOTE
VALUES = NEW_VALUES
DOCUMENT = {"id": "cestes-2026", "title": "page de la formation sur le site du CESTES (34e promotion)",
            "date": "2026-11-15", "text": NEW_PAGE, "author": "Claire"}
UPDATE = {**{f"value.{name}": value for name, value in VALUES.items()}, "source": "cestes-2026", "quote": QUOTE,
          "reason": "tarifs de la 34e promotion", "review_by": "", "author": "Claire"}



def serve(scenario: Callable[[TestClient], Awaitable[Any]]) -> Any:
    """Run scenario(client) against the whole web app over HTTP."""
    async def run() -> Any:
        async with TestClient(TestServer(create_app(Settings.from_env()))) as client:
            return await scenario(client)
    return asyncio.run(run())


async def get(client: TestClient, path: str, status: int = 200) -> str:
    response = await client.get(path, headers=BEARER)
    assert response.status == status, path
    assert response.content_type == "text/html"
    return await response.text()


async def post(client: TestClient, path: str, data: Any, status: int = 303) -> Any:
    response = await client.post(path, data=data, headers=BEARER, allow_redirects=False)
    assert response.status == status, await response.text()
    return response.headers["Location"] if status == 303 else await response.text()


def multipart(fields: dict[str, str]) -> MultipartWriter:
    """The fields as a browser sends a form with enctype="multipart/form-data"."""
    writer = MultipartWriter("form-data")
    for name, value in fields.items():
        writer.append(value).set_content_disposition("form-data", name=name)
    return writer


def row(page: str, key: str) -> str:
    """The table row of a fact on the list page."""
    [found] = [r.split("</tr>")[0] for r in page.split("<tr>")[1:] if f'href="{PAGE}/{key}"' in r]
    return found


def text_of(markup: str) -> str:
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", markup)))


def alert(page: str) -> str:
    [found] = re.findall(r'<p role="alert">(.*?)</p>', page, re.S)
    return text_of(found).strip()


def status(page: str) -> str:
    [found] = re.findall(r'<p role="status">(.*?)</p>', page, re.S)
    return text_of(found).strip()


def current(page: str) -> str:
    """The detail page's "what the assistant says today" section, as text."""
    return text_of(page.split('id="modifier"')[0])


def versions(page: str) -> list[str]:
    """The history's rows, as text."""
    table = page.split('id="historique"')[1]
    return [text_of(r).strip() for r in table.split("<tr>")[2:]]


def test_the_pages_need_the_token(staff_kb):
    async def scenario(client):
        for path in (PAGE, f"{PAGE}/cost.individual"):
            response = await client.get(path)
            assert response.status == 401 and "Accès réservé" in await response.text()
        for path, data in ((f"{PAGE}/source", DOCUMENT), (f"{PAGE}/cost.third_party/update", UPDATE),
                           (f"{PAGE}/cost.third_party/restore", {"version": "1"})):
            assert (await client.post(path, data=data, allow_redirects=False)).status == 401
        page = await get(client, f"{PAGE}/cost.third_party")
        assert "version 1, donnée d'origine" in current(page) and "cestes-2026" not in page
    serve(scenario)


def test_the_list_shows_topics_in_french_documents_dates_and_facts_to_recheck(staff_kb):
    page = serve(lambda client: get(client, PAGE))
    assert '<html lang="fr">' in page and "<h1>Connaissances</h1>" in page
    headings = [text_of(h).strip() for h in re.findall(r"<h2[^>]*>(.*?)</h2>", page)]
    for label in ("Coût", "CPF", "Module coopératif", "Prérequis", "Dérogation", "Voies d'accès", "Statistiques"):
        assert label in headings, label
    cost = row(page, "cost.individual")
    assert "à revérifier" in cost and "1er septembre 2025" in cost and "novembre 2024" in cost
    assert "5 000,50 €" in cost and "actuel" in cost and "d'origine" in cost
    assert "à revérifier" not in row(page, "contact.email")
    assert "historique" in page and "autre formation" in page
    # Lists as bullet lists; every fact links to its page.
    assert "<li>Consultant en organisation</li>" in row(page, "outcomes.jobs")
    assert len(re.findall(rf'<th scope="row"><a href="{PAGE}/', page)) == len(read_dataset().facts)
    assert "<script" not in page and "style=" not in page


def test_a_document_added_then_a_fact_updated_through_the_forms(staff_kb):
    async def scenario(client):
        # The document form is multipart (a long pasted text stays under the body limit).
        assert await post(client, f"{PAGE}/source", multipart(DOCUMENT)) == f"{PAGE}?ok=source"
        listed = await get(client, f"{PAGE}?ok=source")
        assert status(listed).startswith("Document ajouté")
        assert "page de la formation sur le site du CESTES (34e promotion)" in listed and "Claire" in listed
        location = await post(client, f"{PAGE}/cost.third_party/update", UPDATE)
        assert location == f"{PAGE}/cost.third_party?ok=update"
        return await get(client, location), await get(client, PAGE)

    page, listed = serve(scenario)
    assert status(page).startswith("Information mise à jour")
    shown = current(page)
    assert "10 500 €" in shown and "10 005 €" not in shown and "version 2, modifiée par l'équipe" in shown
    assert "(34e promotion), novembre 2026" in shown and "pas de date" in shown
    history = versions(page)
    assert len(history) == 2
    assert history[0].startswith("2 ") and "Claire" in history[0] and "tarifs de la 34e promotion" in history[0]
    assert "10 500 €" in history[0] and "version actuelle" in history[0]
    assert history[1].startswith("1 ") and "données du dépôt" in history[1] and "10 005 €" in history[1]
    assert "Restaurer la version 1" in history[1] and "Restaurer" not in history[0]
    assert "10 500 €" in row(listed, "cost.third_party") and "modifiée par l'équipe" in row(listed, "cost.third_party")


@pytest.mark.parametrize("change, error", [
    ({"quote": QUOTE + ", garanti jusqu'en 2030"}, "refusé : la citation n'est pas dans le document"),
    ({"value.amount": "9 999 €"}, "refusé : la valeur '9 999 €' (amount) n'est pas dans la citation"),
    ({"value.amount": " "}, "« amount » est obligatoire"),
    ({"reason": ""}, "« motif » est obligatoire"),
    ({"source": "inconnu"}, "document inconnu : 'inconnu'"),
])
def test_a_refused_update_is_shown_in_french_and_changes_nothing(staff_kb, change, error):
    async def scenario(client):
        await post(client, f"{PAGE}/source", DOCUMENT)
        refused = await post(client, f"{PAGE}/cost.third_party/update", {**UPDATE, **change}, status=422)
        return refused, await get(client, f"{PAGE}/cost.third_party")

    refused, page = serve(scenario)
    assert alert(refused) == f"Erreur : {error}. Rien n'a été enregistré."
    assert "Erreur — " in refused.split("</title>")[0]
    if "reason" not in change:  # what was typed is kept
        assert 'value="tarifs de la 34e promotion"' in refused
    assert "version 1, donnée d'origine" in current(page) and "10 005 €" in current(page)
    assert len(versions(page)) == 1 and 'role="alert"' not in page and 'role="status"' not in page


def test_restoring_version_1_brings_the_old_value_back_as_version_3(staff_kb):
    async def scenario(client):
        await post(client, f"{PAGE}/source", DOCUMENT)
        await post(client, f"{PAGE}/cost.third_party/update", UPDATE)
        location = await post(client, f"{PAGE}/cost.third_party/restore", {"version": "1", "reason": "", "author": "Marc"})
        assert location == f"{PAGE}/cost.third_party?ok=restore"
        missing = await post(client, f"{PAGE}/cost.third_party/restore", {"version": "9"}, status=404)
        return await get(client, location), missing

    page, missing = serve(scenario)
    assert status(page).startswith("Version restaurée")
    shown = current(page)
    assert "10 005 €" in shown and "10 500 €" not in shown and "version 3, modifiée par l'équipe" in shown
    history = versions(page)
    assert [h.split()[0] for h in history] == ["3", "2", "1"]
    assert "Marc" in history[0] and "retour à la version 1" in history[0]
    assert "Restaurer la version 2" in history[1] and "Restaurer la version 1" in history[2]
    assert alert(missing) == "Erreur : aucune version 9 de « cost.third_party ». Rien n'a été enregistré."


def test_integer_values_stay_integers_and_lists_are_read_only(staff_kb):
    rule = read_dataset()
    fact = next(f for f in rule.facts if f.key == "derogation.rule")
    form = {"value.text": fact.values["text"], "source": fact.source, "quote": fact.quote, "reason": "relu",
            "review_by": "2027-06-30"}

    async def scenario(client):
        refused = await post(client, f"{PAGE}/derogation.rule/update", {**form, "value.min_years": "six"}, status=422)
        await post(client, f"{PAGE}/derogation.rule/update", {**form, "value.min_years": "6"})
        api = await (await client.get("/review/api/facts/derogation.rule", headers=BEARER)).json()
        return refused, api, await get(client, f"{PAGE}/derogation.rule"), await get(client, f"{PAGE}/outcomes.jobs")

    refused, api, page, jobs = serve(scenario)
    assert alert(refused) == "Erreur : « min_years » : un nombre entier est attendu. Rien n'a été enregistré."
    assert api["values"]["min_years"] == 6 and api["version"] == 2 and api["review_by"] == "2027-06-30"
    assert "30 juin 2027" in current(page) and 'inputmode="numeric"' in page
    assert 'name="value.items"' not in jobs and "Les listes sont modifiées par un développeur" in jobs


def test_an_unknown_fact_is_a_404_in_french(staff_kb):
    page = serve(lambda client: get(client, f"{PAGE}/nope.nope", status=404))
    assert alert(page) == "Erreur : aucune information « nope.nope »"


def test_what_staff_type_is_escaped(staff_kb):
    title = "<script>alert(1)</script> nouvelle page"

    async def scenario(client):
        await post(client, f"{PAGE}/source", {**DOCUMENT, "title": title, "author": "<b>Zoé</b>"})
        refused = await post(client, f"{PAGE}/source", {**DOCUMENT, "title": title}, status=422)
        return await get(client, PAGE), await get(client, f"{PAGE}/cost.third_party"), refused

    for page in serve(scenario):
        assert "<script" not in page and "<b>Zoé" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; nouvelle page" in page


def test_a_form_over_the_body_limit_is_refused_in_french(staff_kb):
    async def scenario(client):
        refused = await post(client, f"{PAGE}/source", {**DOCUMENT, "text": "é" * 12_000}, status=413)
        return refused, await get(client, PAGE), await get(client, "/review")

    refused, page, review = serve(scenario)
    assert alert(refused).startswith("Erreur : le formulaire envoyé est trop long")
    assert "(34e promotion)" not in page
    assert f'<a href="{PAGE}">Connaissances' in review  # the review page links here
