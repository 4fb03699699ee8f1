"""The assistant as users reach it: `python -m bot`, then REST on 127.0.0.1."""
from __future__ import annotations

import json
import os
import re
import signal
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.running_assistant import REVIEW_TOKEN

pytestmark = pytest.mark.integration


def processes_with(marker: str) -> list[int]:
    """Pids whose command line holds the marker (a port number unique to this test)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and int(entry.name) != os.getpid():
                pids.append(int(entry.name))
    return pids


QUESTIONS = [
    ("Combien coûte la formation ?", ["10 005 €", "5 000,50 €"]),
    ("Quel est le prix si je la finance moi-même ?", ["5 000,50 €"]),
    ("combien ça coûte si c'est mon employeur qui paie ?", ["10 005 €"]),
    ("La formation est-elle éligible au CPF ?", ["éligible au CPF", "10 005 €"]),
    ("Quels sont les prérequis pour s'inscrire ?", ["diplôme de niveau 6", "3 ans minimum"]),
    ("Je n'ai pas de bac+3, est-ce que je peux quand même candidater ?", ["6 ans d'expérience"]),
    ("Combien de temps dure la formation ?", ["deux années", "490 heures"]),
    ("Combien d'heures de séminaires y a-t-il ?", ["420 heures"]),
    ("Quel est le rythme de la formation ?", ["cinq jours tous les deux mois"]),
    ("Est-ce qu'il y a des cours à distance ?", ["trois jours en distanciel"]),
    ("Peut-on obtenir le diplôme par la VAE ?", ["validation des acquis de l'expérience"]),
    ("Le module coopératif, c'est quoi ?", ["35h", "SCIC", "400 € en tarif normal"]),
    ("Quel est le code RNCP du diplôme ?", ["41336", "24/09/2030"]),
    ("c'est un diplôme de quel niveau ?", ["Niveau 7"]),
    ("Peut-on suivre la formation en apprentissage ?", ["apprentissage", "contrat de professionnalisation"]),
    ("Je suis demandeur d'emploi, est-ce que je dois faire un stage ?", ["au moins 8 semaines"]),
    ("Comment se passe l'évaluation ?", ["jury mixte"]),
    ("Quels métiers peut-on exercer après ce diplôme ?", ["Coordinateur de réseaux"]),
    ("Comment je fais pour candidater ?", ["démarche simplifiée"]),
    ("Quelle est l'adresse mail du CESTES ?", ["par_cestes@lecnam.net"]),
]


@pytest.mark.parametrize("question, fragments", QUESTIONS, ids=[q for q, _ in QUESTIONS])
def test_rest_answers_current_facts(assistant, question, fragments):
    status, replies = assistant.ask(question)
    assert status == 200
    text = "\n".join(reply.get("text", "") for reply in replies)
    for fragment in fragments:
        assert fragment in text
    assert "Source : " in text


@pytest.mark.parametrize("question", [
    "Quel temps fera-t-il demain à Lyon ?",
    "je voudrais commander une pizza",
    "combien coûte le master de droit du Cnam ?",
])
def test_off_topic_gets_no_programme_figure(assistant, question):
    status, replies = assistant.ask(question)
    text = "\n".join(reply.get("text", "") for reply in replies)
    assert status == 200 and "par_cestes@lecnam.net" in text
    assert not re.search(r"\d", text)


def test_an_old_price_is_corrected(assistant):
    _, replies = assistant.ask("j'ai lu que la formation coûtait 500 €, c'est toujours le cas ?")
    texts = [reply["text"] for reply in replies]
    assert "« 500 euros » est une information ancienne" in texts[0]
    assert "5 000,50 €" in texts[1]


@pytest.mark.parametrize("message", [
    "", "   ", "<script>alert(1)</script>", "'; DROP TABLE events; --", "a" * 41,
])
def test_odd_messages_never_get_a_server_error(assistant, message):
    status, replies = assistant.ask(message)
    assert status == 200 and isinstance(replies, list)


@pytest.mark.parametrize("body, status", [
    (b"not json", 400), (b"[1, 2]", 400), (b"42", 400), (b"null", 400),
    (b'{"sender": 5, "message": 3}', 200), (b'{"message": null}', 200), (b'{"sender": "x"}', 200),
    (json.dumps({"sender": "s" * 5000, "message": "bonjour"}).encode(), 200),
])
def test_malformed_bodies_get_a_clear_error_never_a_server_error(assistant, body, status):
    request = urllib.request.Request(f"http://127.0.0.1:{assistant.bot_port}/webhooks/rest/webhook",
                                     data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            code = response.status
    except urllib.error.HTTPError as error:
        code = error.code
    assert code == status


@pytest.mark.parametrize("message", ["😀😀😀", "\x00\x01\x02", "1234567", "???", "prix" * 20])
def test_junk_gets_no_programme_figure(assistant, message):
    status, replies = assistant.ask(message)
    text = "\n".join(r.get("text", "") for r in replies)
    assert status == 200 and "par_cestes@lecnam.net" in text and not re.search(r"\d", text)


@pytest.mark.parametrize("message", ["a" * 100_000, "prix " * 5_000])
def test_over_long_messages_are_cut_with_a_polite_reply(assistant, message):
    status, replies = assistant.ask(message)
    text = "\n".join(r.get("text", "") for r in replies)
    assert status == 200 and "Votre message est trop long" in text and not re.search(r"\d", text)


def conversation(assistant, turns):
    """Send each message in one conversation; return the texts of each reply."""
    sender = uuid.uuid4().hex
    return ["\n".join(r.get("text", "") for r in assistant.ask(turn, sender)[1]) for turn in turns]


def test_eligibility_in_one_message(assistant):
    [reply] = conversation(assistant, ["J'ai une licence et 5 ans en association, je peux candidater ?"])
    assert "vous remplissez a priori les conditions" in reply
    assert "Voulez-vous que je transmette votre question au CESTES" in reply


def test_eligibility_questions_then_outcome(assistant):
    replies = conversation(assistant, ["je voudrais vérifier mon éligibilité", "un BTS",
                                       "7 ans", "salariée dans un centre social"])
    assert "Quel est le diplôme le plus élevé que vous avez obtenu" in replies[0]
    assert "Combien d'années d'expérience" in replies[1]
    assert "surtout professionnelle" in replies[2]
    assert "une dérogation est a priori envisageable" in replies[3]
    assert "✔ Expérience : 7 an(s) sur les 6 de la dérogation" in replies[3]


def test_follow_up_questions_keep_their_context(assistant):
    replies = conversation(assistant, ["Combien coûte la formation ?", "et en financement individuel ?",
                                       "Parlez-moi du module coopératif", "il coûte combien ?"])
    assert "10 005 €" in replies[0]
    assert "5 000,50 €" in replies[1] and "10 005" not in replies[1]
    assert "400 € en tarif normal" in replies[3] and "10 005" not in replies[3]


def test_handoff_by_email_end_to_end(assistant, inbox):
    replies = conversation(assistant, [
        "je voudrais parler à quelqu'un du CESTES", "/affirm", "/affirm", "Marie Dupont",
        "pas-un-email", "marie.dupont@example.org", "non", "Puis-je commencer en janvier ?", "/affirm",
    ])
    assert "Voulez-vous que je transmette" in replies[0]
    assert "Êtes-vous d'accord ?" in replies[1] and "par_cestes@lecnam.net" in replies[1]
    assert "Quel est votre nom" in replies[2]
    assert "adresse e-mail" in replies[3]
    assert "ne semble pas valide" in replies[4]
    assert "téléphone" in replies[5]
    assert "Quelle est votre question" in replies[6]
    assert "Puis-je commencer en janvier ?" in replies[7] and "Je l'envoie ?" in replies[7]
    assert "C'est envoyé" in replies[8]
    [message] = [m for _, m in inbox.messages if "Marie Dupont" in m["Reply-To"]]
    assert message["To"] == "par_cestes@lecnam.net"
    assert message["Reply-To"] == "Marie Dupont <marie.dupont@example.org>"
    assert "Puis-je commencer en janvier ?" in message.get_content()


def review_exports(assistant) -> str:
    """Everything staff can read of the review log: the API, the JSON and the CSV export."""
    texts = []
    for path in ("/review/api/unanswered", "/review/export.json", "/review/export.csv"):
        request = urllib.request.Request(f"http://127.0.0.1:{assistant.web_port}{path}",
                                         headers={"Authorization": f"Bearer {REVIEW_TOKEN}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200
            texts.append(response.read().decode("utf-8-sig"))
    return "\n".join(texts)


def test_a_handoff_leaves_no_personal_data_in_the_review_log(assistant, inbox):
    question = "bon voilà pour le devis c'est compliqué, rappelez-moi svp"
    replies = conversation(assistant, [
        "je voudrais parler à quelqu'un du CESTES", "/affirm", "/affirm", "Jeanne Martin",
        "jeanne.martin@example.org", "06 98 76 54 32", question, "/affirm",
    ])
    assert question in replies[6] and "C'est envoyé" in replies[7]
    assert [m for _, m in inbox.messages if "Jeanne Martin" in m["Reply-To"]]
    logged = review_exports(assistant)
    for personal in ("Jeanne", "Martin", "jeanne.martin", "06 98 76 54 32", "rappelez-moi", question):
        assert personal not in logged


def test_unanswered_questions_reach_the_review_page(assistant):
    import concurrent.futures

    marker = uuid.uuid4().hex[:8]
    questions = [f"quel temps fera-t-il demain à Lyon {marker} {n} ?" for n in range(20)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda q: assistant.ask(q)[0], questions))
    assert statuses == [200] * 20
    url = f"http://127.0.0.1:{assistant.web_port}/review/api/unanswered"
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 401
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {REVIEW_TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        items = json.loads(response.read())["items"]
    logged = sorted(i["text"] for i in items if marker in i["text"])
    assert logged == sorted(questions)
    assert {i["reason"] for i in items if marker in i["text"]} <= {"out_of_scope", "fallback", "ambiguity"}


def test_socketio_channel_answers(assistant):
    import asyncio

    import socketio

    async def talk() -> dict:
        client = socketio.AsyncClient()
        replies: asyncio.Queue = asyncio.Queue()
        client.on("bot_uttered", replies.put_nowait)
        # Long-polling: the engineio client's websocket transport needs aiohttp >= 3.10, which
        # Rasa 3.6 pins out; the server side (what browsers use) is not affected.
        await client.connect(f"http://127.0.0.1:{assistant.bot_port}", socketio_path="/socket.io",
                             transports=["polling"])
        session = uuid.uuid4().hex
        await client.emit("session_request", {"session_id": session})
        await client.emit("user_uttered", {"message": "c'est éligible au CPF ?", "session_id": session})
        try:
            return await asyncio.wait_for(replies.get(), timeout=60)
        finally:
            await client.disconnect()

    reply = asyncio.run(talk())
    assert "éligible au CPF" in reply["text"]


@pytest.mark.parametrize("origin, allowed", [("page", True), ("http://evil.example", False)])
def test_socketio_accepts_only_the_configured_origins(assistant, origin, allowed):
    import asyncio

    import socketio

    origin = f"http://127.0.0.1:{assistant.web_port}" if origin == "page" else origin

    async def connect() -> bool:
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(f"http://127.0.0.1:{assistant.bot_port}", socketio_path="/socket.io",
                                 transports=["polling"], headers={"Origin": origin}, wait_timeout=10)
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    assert asyncio.run(connect()) is allowed


@pytest.mark.parametrize("origin, allowed", [("page", True), ("http://evil.example", False)])
def test_only_the_configured_origins_may_call_the_rest_channel(assistant, origin, allowed):
    origin = f"http://127.0.0.1:{assistant.web_port}" if origin == "page" else origin
    request = urllib.request.Request(
        f"http://127.0.0.1:{assistant.bot_port}/webhooks/rest/webhook", method="OPTIONS",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "content-type"})
    with urllib.request.urlopen(request, timeout=10) as response:
        granted = response.headers.get("Access-Control-Allow-Origin")
    assert (granted == origin) is allowed


def test_conversations_are_stored_in_sqlite_under_var(assistant):
    assistant.ask("bonjour", sender="stored")
    tracker = Path(assistant.log).parent / "tracker.db"
    assert tracker.is_file() and tracker.stat().st_size > 0


def test_rasa_http_api_is_off_by_default(assistant):
    for path in ("/status", "/model/parse", "/conversations/visitor/tracker"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{assistant.bot_port}{path}", timeout=10)
        assert refused.value.code in (404, 405), path


@pytest.mark.parametrize("question, answers", [
    ("combien ça coûte et combien de temps ça dure ?", ["10 005 €", "490 heures"]),
    ("how much does the programme cost?", ["Je réponds en français", "10 005 €"]),
])
def test_two_questions_and_english(assistant, question, answers):
    status, replies = assistant.ask(question)
    text = "\n".join(reply.get("text", "") for reply in replies)
    assert status == 200
    for answer in answers:
        assert answer in text


def test_a_killed_action_server_is_restarted_and_answers_again(assistant):
    [actions] = [pid for pid in processes_with(f"--port {assistant.actions_port}") if pid != assistant.process.pid]
    os.kill(actions, signal.SIGKILL)
    deadline = time.monotonic() + 120
    while True:  # meanwhile the guard apologises; then the new action server answers
        status, replies = assistant.ask("Combien coûte la formation ?")
        text = "\n".join(reply.get("text", "") for reply in replies)
        if "10 005 €" in text:
            break
        assert status == 200 and time.monotonic() < deadline, text
        time.sleep(1)
    assert "actions server exited with code -9: restarting it" in assistant.log.read_text(errors="replace")
    assert actions not in processes_with(f"--port {assistant.actions_port}")


@pytest.mark.stops_assistant
def test_sigterm_stops_every_server(assistant):
    marker = str(assistant.bot_port)
    assert processes_with(marker), "the Rasa server should be running"
    assistant.process.send_signal(signal.SIGTERM)
    assert assistant.process.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while (processes_with(marker) or processes_with(str(assistant.actions_port))) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_with(marker) == []
    assert processes_with(str(assistant.actions_port)) == []

