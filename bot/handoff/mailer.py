"""Build the handoff e-mail and send it by SMTP; build the mailto: fallback."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

import yaml

from bot.handoff.models import FAILED, PENDING, SENT, HandoffRequest
from bot.settings import SmtpSettings

TEMPLATES = Path(__file__).resolve().parent / "email.yml"
SMTP_TIMEOUT_S = 5


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    """The French texts of email.yml."""
    return yaml.safe_load(TEMPLATES.read_text("utf-8"))


def eligibility_summary(answers: dict[str, Any]) -> str:
    """One line on the pre-check, or "non fait"."""
    text = templates()
    if not answers:
        return text["no_eligibility"]
    return text["eligibility"].format(
        diploma_label=answers.get("diploma_label", "?"), years=answers.get("years", "?"),
        kind=answers.get("kind", ""), outcome=text["outcomes"].get(answers.get("outcome"), "?"),
    )


def build_message(request: HandoffRequest, sender: str, recipient: str) -> EmailMessage:
    """The e-mail to the CESTES, with the candidate as Reply-To."""
    text = templates()
    fields = dict(
        id=request.id, name=request.name, email=request.email,
        phone=request.phone or text["no_phone"], question=request.question,
        eligibility=eligibility_summary(request.eligibility or {}),
        transcript=request.transcript or "", created_at=f"{request.created_at:%d/%m/%Y %H:%M}",
    )
    message = EmailMessage()
    message["Subject"] = text["subject"].format(**fields)
    message["From"] = sender
    message["To"] = recipient
    message["Reply-To"] = formataddr((request.name, request.email))
    message["Message-ID"] = make_msgid(domain="assistant.cestes")
    message.set_content(text["body"].format(**fields))
    return message


def mailto_link(recipient: str, name: str, question: str) -> str:
    """A mailto: link prefilled with the subject and a summary."""
    text = templates()
    subject = text["subject"].format(name=name)
    body = text["mailto_body"].format(question=question, name=name)
    return f"mailto:{recipient}?subject={quote(subject)}&body={quote(body)}"


def send(message: EmailMessage, smtp: SmtpSettings) -> tuple[str, Optional[str]]:
    """Send; return (status, error). Refused by the server -> failed; unreachable -> pending."""
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_S) as client:
            if smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, smtp.password or "")
            client.send_message(message)
        return SENT, None
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
            smtplib.SMTPAuthenticationError) as error:
        return FAILED, f"{error.__class__.__name__}"
    except (OSError, smtplib.SMTPException) as error:
        return PENDING, f"{error.__class__.__name__}: {error}"[:300]
