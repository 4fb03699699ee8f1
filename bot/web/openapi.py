"""The OpenAPI 3.0 document of the /review JSON API (bot/web/openapi.yml), served at
GET /review/api/openapi.json with the same token as the rest.

The document is data: read once when the sub-application is created (install), never at
import. tests/test_openapi.py checks that it lists exactly the routes the sub-application has.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

DOCUMENT_FILE = Path(__file__).resolve().parent / "openapi.yml"
DOCUMENT = web.AppKey("openapi_document", dict)


def load(path: Path = DOCUMENT_FILE) -> dict[str, Any]:
    """The document as a dict (the YAML file quotes dates, so that it is plain JSON data)."""
    # libyaml's safe loader when PyYAML has it: ten times faster on these 600 lines.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text("utf-8"), Loader=loader)  # noqa: S506 - a safe loader


async def api_openapi(request: web.Request) -> web.Response:
    """The document, its server being where the sub-application is mounted."""
    own = str(request.app.router["api_openapi"].url_for())
    root = own[: -len("/api/openapi.json")]
    return web.json_response({**request.app[DOCUMENT], "servers": [{"url": root}]})


def install(app: web.Application) -> None:
    """Read the document and add its route."""
    app[DOCUMENT] = load()
    app.router.add_get("/api/openapi.json", api_openapi, name="api_openapi")
