"""How a value is found in the document it cites.

Comparison rules (the documented normalisation): Unicode NFKC (so non-breaking spaces
become spaces and "…" becomes "..."), typographic apostrophes and quotes made straight,
Markdown marks removed (``* # \\ [ ]`` and link targets), whitespace collapsed, accents
and case ignored. An integer value is found when its digits stand alone in the text, or
its French word does (``6`` matches "6 ans" or "six ans").
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterator

_QUOTES = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})
_LINK_TARGET = re.compile(r"\]\((?:#|mailto:[^)]*|https?://[^)]*)\)")
_MARKS = re.compile(r"[*#\\\[\]]")
_SPACES = re.compile(r"\s+")
_FRENCH_NUMBERS = {
    1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept",
    8: "huit", 9: "neuf", 10: "dix", 12: "douze", 14: "quatorze", 15: "quinze",
}


def normalise(text: str) -> str:
    """Reduce a text to the form in which values and quotes are compared."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = _LINK_TARGET.sub(" ", text)
    text = _MARKS.sub(" ", text)
    text = "".join(
        c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)
    )
    text = _SPACES.sub(" ", text)
    # Punctuation directly after a removed mark ("**novembre 2024**.") must not keep a space.
    text = re.sub(r" ([.,;:)])", r"\1", text)
    text = re.sub(r"([(]) ", r"\1", text)
    return text.strip().casefold()


def value_in_text(value: Any, text: str) -> bool:
    """True when a leaf value (str or int) is stated in the text."""
    haystack = normalise(text)
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        words = [str(value)] + ([_FRENCH_NUMBERS[value]] if value in _FRENCH_NUMBERS else [])
        return any(re.search(rf"(?<![\w,]){w}(?![\w,])", haystack) for w in words)
    if isinstance(value, str):
        return bool(value.strip()) and normalise(value) in haystack
    return False


def leaf_values(values: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (path, leaf) for every scalar inside a fact's values."""
    if isinstance(values, dict):
        for name, item in values.items():
            yield from leaf_values(item, f"{path}.{name}" if path else str(name))
    elif isinstance(values, list):
        for index, item in enumerate(values):
            yield from leaf_values(item, f"{path}[{index}]")
    else:
        yield path, values


def provenance_problems(quote: str, values: Any, seed_text: str) -> list[str]:
    """What in a fact is not found: the quote in its seed, or a value in its quote."""
    problems = []
    if normalise(quote) not in normalise(seed_text):
        problems.append(f"quote not found in the seed: {quote[:80]!r}")
    for path, leaf in leaf_values(values):
        if not value_in_text(leaf, quote):
            problems.append(f"value {path}={leaf!r} not found in the quote")
    return problems
