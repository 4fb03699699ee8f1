"""Training from the review page: the button, the job's page and the JSON API (same token).

    POST /review/api/train            {"author"?} -> 202 {"job": "<id>"}; 409 {"error", "job"} if one runs
    GET  /review/api/train            {"jobs": [...]}, newest first
    GET  /review/api/train/JOB        {"job", "status": "running"|"done"|"failed", "phase", "log",
                                       "heldout", "error", ...}; 404 {"error"}
    POST /review/entrainement         the page's button "Mettre à jour l'assistant" -> the job's page
    GET  /review/entrainement/JOB     the job's page, reloading itself every 5 s while it runs

The job itself (train, check, release) is bot/review/training.py, run as a task of this process.
"""
from __future__ import annotations

import asyncio

from aiohttp import web

from bot.review import training
from bot.review.floors import FLOORS, percent
from bot.web import staff
from bot.web.common import SETTINGS, TEMPLATES
from bot.web.review_api import json_body, settings_of

TASKS = web.AppKey("training_tasks", set)
STATUS_LABELS = {"running": "en cours", "done": "terminée : l'assistant répond avec le nouveau modèle",
                 "failed": "échouée : l'assistant garde le modèle précédent"}


async def _start(request: web.Request, author: str) -> str:
    """Start a job in the background; TrainingBusy when one runs."""
    settings = settings_of(request)
    job = await asyncio.to_thread(training.start, settings, author)
    task = asyncio.create_task(training.run(settings, job))
    tasks = request.app[TASKS]
    tasks.add(task)
    task.add_done_callback(tasks.discard)
    return job


async def api_start(request: web.Request) -> web.Response:
    body = await json_body(request) if request.can_read_body else {}
    try:
        job = await _start(request, staff.author(request, body.get("author")))
    except training.TrainingBusy as busy:
        return web.json_response({"error": str(busy), "job": busy.job}, status=409)
    return web.json_response({"job": job}, status=202)


async def api_list(request: web.Request) -> web.Response:
    return web.json_response({"jobs": await asyncio.to_thread(training.recent, settings_of(request))})


async def api_job(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(training.get, settings_of(request), request.match_info["job"])
    if found is None:
        return web.json_response({"error": "mise à jour introuvable"}, status=404)
    return web.json_response(found)


async def page_start(request: web.Request) -> web.StreamResponse:
    root = str(request.app.router["page"].url_for())
    try:
        job = await _start(request, staff.author(request))
    except training.TrainingBusy as busy:
        job = busy.job
    raise web.HTTPSeeOther(f"{root}/entrainement/{job}")


async def page_job(request: web.Request) -> web.Response:
    found = await asyncio.to_thread(training.get, settings_of(request), request.match_info["job"])
    if found is None:
        raise web.HTTPNotFound(text="mise à jour introuvable")
    html = request.config_dict[TEMPLATES].get_template("training.html").render(
        root=str(request.app.router["page"].url_for()), job=found, floors=FLOORS, percent=percent,
        status_labels=STATUS_LABELS)
    return web.Response(content_type="text/html", text=html)


def install(app: web.Application) -> None:
    """The routes, and the jobs' lifecycle: a job left running by a stopped process is marked
    failed at start; running ones are cancelled at shutdown."""
    app[TASKS] = set()

    async def mark_interrupted(_app: web.Application) -> None:
        await asyncio.to_thread(training.interrupted, _app[SETTINGS])

    async def cancel(_app: web.Application) -> None:
        for task in list(_app[TASKS]):
            task.cancel()

    app.on_startup.append(mark_interrupted)
    app.on_cleanup.append(cancel)
    app.add_routes([web.post("/api/train", api_start, name="api_train"),
                    web.get("/api/train", api_list, name="api_train_list"),
                    web.get("/api/train/{job}", api_job, name="api_train_job"),
                    web.post("/entrainement", page_start, name="train_start"),
                    web.get("/entrainement/{job}", page_job, name="train_job")])
