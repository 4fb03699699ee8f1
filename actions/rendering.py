"""Turn facts into the variables of the domain's response templates (plain functions, no Rasa)."""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from knowledge.queries import FactView

logger = logging.getLogger(__name__)

_PLACEHOLDER = re.compile(r"{([^\n{}]+?)}")


def variable_name(fact_key: str, value_name: str) -> str:
    """Template variable of one value: fact key with underscores, then the value name."""
    return f"{fact_key.replace('.', '_')}_{value_name}"


def render_value(value: Any) -> str:
    """A value as text: lists become one line per item, mappings are joined by dashes."""
    if isinstance(value, list):
        return "\n".join(
            "- " + (" — ".join(str(v) for v in item.values()) if isinstance(item, dict) else str(item))
            for item in value
        )
    return str(value)


def template_variables(facts: Iterable[FactView]) -> dict[str, tuple[str, FactView]]:
    """Every variable the facts provide, with the fact it comes from."""
    return {
        variable_name(fact.key, name): (render_value(value), fact)
        for fact in facts
        for name, value in fact.values.items()
    }


def placeholders(response: str, domain: dict[str, Any]) -> set[str]:
    """Variables used by any variant of a response of the domain."""
    names: set[str] = set()
    for variant in domain.get("responses", {}).get(response, []):
        names.update(_PLACEHOLDER.findall(variant.get("text") or ""))
    return names


def dated_source(fact: FactView) -> str:
    """The document behind a fact with its date: "page de la formation…, <date>"."""
    return f"{fact.source_label}, {fact.source_date}" if fact.source_date else fact.source_label


def source_line(facts: Iterable[FactView]) -> str:
    """The dated documents behind the facts, each once, in order."""
    labels: list[str] = []
    for fact in facts:
        if dated_source(fact) not in labels:
            labels.append(dated_source(fact))
    return " ; ".join(labels)


def render_text(response: str, domain: dict[str, Any], values: dict[str, Any]) -> str:
    """The first variant of a response with its placeholders filled (for the review log)."""
    variants = domain.get("responses", {}).get(response) or [{}]
    template = variants[0].get("text") or ""
    return _PLACEHOLDER.sub(lambda m: str(values.get(m.group(1), m.group(0))), template)


# Extra variables an action computes itself: name -> (text, fact it comes from, if any).
Variables = Dict[str, Tuple[str, Optional[FactView]]]


def fill(response: str, domain: dict[str, Any], facts: List[FactView],
         extra: Optional[Variables] = None) -> Optional[Tuple[dict[str, str], List[FactView]]]:
    """Values for every placeholder of a response, plus its source line, and the facts they
    come from; None if one is missing."""
    available: Variables = {**template_variables(facts), **(extra or {})}
    values: dict[str, str] = {}
    used: List[FactView] = []
    for name in sorted(placeholders(response, domain) - {"source"}):
        if name not in available:
            logger.error("response %s needs %s, which no current fact provides", response, name)
            return None
        text, fact = available[name]
        values[name] = text
        if fact is not None:
            used.append(fact)
    values["source"] = source_line(used)
    return values, used
