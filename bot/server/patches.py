"""Every change the assistant makes to Rasa, in one place: versions checked, functions replaced, overrides pinned.

The Rasa server process replaces three of Rasa's functions (bot/server/speedups.py) and its
stores and channels subclass Rasa's, overriding methods (bot/server/channels.py,
tracker_store.py, lock_store.py, action_guard.py, bot/nlu/). All of them were written against
the Rasa below and no other:
- PINNED and check_versions(): the packages' versions; install() refuses any other, with one
  sentence saying what to do, before Rasa starts (bot/server/__main__.py);
- OVERRIDDEN: each Rasa function that the project replaces, overrides or copies, with the hash
  of Rasa's source as installed when it was written and what to re-check when that source
  changes; tests/test_server_patches.py fails on any difference, so that a Rasa upgrade
  fails loudly instead of quietly running an override written for other code.

Nothing is imported from Rasa, nor changed, at import time: install() does it.
"""
from __future__ import annotations

import hashlib
import inspect
import pkgutil
from importlib import metadata
from typing import Any, Dict, NamedTuple

PINNED = {"rasa": "3.6.21", "rasa-sdk": "3.6.2", "python-socketio": "5.9.0"}
# Where each pin is written down, for the message of RasaVersionError.
_PINNED_IN = {"rasa": "requirements.txt", "rasa-sdk": "required by rasa 3.6.21",
              "python-socketio": "requirements.txt"}


class RasaVersionError(RuntimeError):
    """A package is installed at another version than the one the assistant was written for."""


class Patch(NamedTuple):
    """Rasa's attribute (module.Class.attribute) and the project's function put in its place."""

    target: str
    replacement: str
    static: bool  # installed as a staticmethod, as Rasa's own is


PATCHES = (
    Patch("rasa.core.actions.action.RemoteAction._validate_action_result",
          "bot.server.speedups.validate_action_result", static=False),
    Patch("rasa.nlu.utils.spacy_utils.SpacyNLP.load_model", "bot.server.speedups.load_spacy_model", static=True),
    Patch("rasa.shared.core.events.Event.resolve_by_type", "bot.server.speedups.resolve_event_type", static=True),
)


class Pin(NamedTuple):
    """The sha256 (16 hex digits) of Rasa's source of a function, and what to re-check if it changes."""

    source_sha256: str
    recheck: str


_LOCK = "rasa.core.lock_store.LockStore"
_SQL = "rasa.core.tracker_store.SQLTrackerStore"
_GRAPH = "rasa.engine.graph.GraphComponent"
_CHANNEL = "rasa.core.channels.channel.InputChannel"

OVERRIDDEN: Dict[str, Pin] = {
    # Replaced by install() (bot/server/speedups.py).
    "rasa.core.actions.action.RemoteAction._validate_action_result": Pin(
        "f8cdb4be68123961", "speedups.validate_action_result: same schema, error selection and message"),
    "rasa.nlu.utils.spacy_utils.SpacyNLP.load_model": Pin(
        "2e68d488b5c7a4f0", "speedups.load_spacy_model calls it, then disables `ner`: still a SpacyModel?"),
    "rasa.shared.core.events.Event.resolve_by_type": Pin(
        "b5cf570fa7f286c7",
        "speedups.resolve_event_type: same lookup (type_name over all_subclasses), same errors"),
    # bot/server/lock_store.py AtomicRedisLockStore.
    "rasa.core.lock_store.RedisLockStore.__init__": Pin(
        "829e898a8cddff8d",
        "AtomicRedisLockStore.__init__ passes the endpoint's keys; sets self.red, self.key_prefix"),
    f"{_LOCK}.issue_ticket": Pin(
        "4dfdfb5e62c1dda9", "AtomicRedisLockStore.issue_ticket: super() under the mutex"),
    f"{_LOCK}.cleanup": Pin("f2ba1745c8153f92", "AtomicRedisLockStore.cleanup: super() under the mutex"),
    f"{_LOCK}.update_lock": Pin(
        "d56816a13451e7a5", "AtomicRedisLockStore.update_lock: super() under the mutex"),
    f"{_LOCK}.lock": Pin(
        "8b9b716c031a3444",
        "AtomicRedisLockStore.lock copies it with the Redis calls in a thread: same ticket and cleanup"),
    f"{_LOCK}._acquire_lock": Pin(
        "ead2fff373291c24",
        "AtomicRedisLockStore._acquire_lock copies its waiting loop with get/update_lock in a thread"),
    # bot/server/tracker_store.py ConcurrentSQLTrackerStore.
    f"{_SQL}.__init__": Pin(
        "64e704d159dfa35b", "ConcurrentSQLTrackerStore.__init__ replaces self.engine and self.sessionmaker"),
    f"{_SQL}.save": Pin(
        "57165e46eab3de08", "ConcurrentSQLTrackerStore.save: same rows (stream_events, then new events)"),
    f"{_SQL}._retrieve": Pin(
        "c8adbf6f4b61ddd1", "ConcurrentSQLTrackerStore._retrieve: same events, same tracker"),
    f"{_SQL}._event_query": Pin(
        "cd44f7901b860bfd", "ConcurrentSQLTrackerStore._conversation copies its filter"),
    f"{_SQL}._additional_events": Pin(
        "d22f99eb863acb07", "ConcurrentSQLTrackerStore._save_events copies its count"),
    # bot/server/channels.py.
    "rasa.core.channels.rest.RestInput._extract_sender": Pin(
        "1a9567a3062f0ab8", "SafeRestInput._extract_sender: still the sender of req.json, awaited?"),
    "rasa.core.channels.socketio.SocketIOInput.blueprint": Pin(
        "1246d69fa05c3b1f",
        "RestrictedSocketIOInput.blueprint: still sets self.sio, an AsyncServer, with its CORS list"),
    # Not overridden, but channels.leave_path_to_engineio rewrites the Sanic-Cors resources it sets.
    "rasa.server.configure_cors": Pin(
        "4eb39526bd4aa4a9",
        "channels.leave_path_to_engineio: still Sanic-Cors (app.ctx.sanic_cors.resources) for `/*`, "
        "so that only engine.io answers CORS on the socket.io path (tests/test_socketio_browser.py)"),
    # bot/server/action_guard.py ActionGuardInput.
    f"{_CHANNEL}.name": Pin("4fa673a04e46cfe5", "ActionGuardInput.name: the channel's name"),
    f"{_CHANNEL}.blueprint": Pin("10176cdf0a50f6bf", "ActionGuardInput.blueprint: same argument and return"),
    # Not overridden: bot/server/model_swap.py builds a MessageProcessor in a thread, then
    # repeats what Agent.load_model does with it; handle_message must read agent.processor once.
    "rasa.core.agent.Agent.load_model": Pin(
        "f4c1ab4c5c7af634", "model_swap.switch: the same attributes set after the processor is built"),
    "rasa.core.agent.Agent.handle_message": Pin(
        "ba53507e4d5532a3", "model_swap: a message finishes on the processor it started with"),
    "rasa.core.processor.MessageProcessor.__init__": Pin(
        "e7cdae90996508bf", "model_swap.build_processor: same keyword arguments"),
    # bot/nlu/ (StatelessComponent and its subclasses, ensemble.py).
    f"{_GRAPH}.create": Pin("ec9d12f2e9f1b6bf", "StatelessComponent.create: same arguments"),
    f"{_GRAPH}.load": Pin(
        "26719d0d58e2c2ff", "SpellingCorrector.load: same arguments, reads the resource's directory"),
    f"{_GRAPH}.get_default_config": Pin(
        "f2fd0f2b1894460e", "the components' get_default_config: still a staticmethod"),
    "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier.process": Pin(
        "200fc5eab907e156", "FeaturedLogisticRegression.process calls it on the messages that have features"),
}

# Rasa's own class attributes that install() replaced, kept at the first install.
_ORIGINALS: Dict[str, Any] = {}


def check_versions() -> None:
    """Raise RasaVersionError unless every PINNED package is installed at its pinned version."""
    for package, pinned in PINNED.items():
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = None
        if installed != pinned:
            found = f"{package} {installed} is installed" if installed else f"{package} is not installed"
            raise RasaVersionError(f"{found} but the assistant was written for {pinned} "
                                   f"({_PINNED_IN[package]}): run `make setup`.")


def install() -> None:
    """Check the versions, then put every PATCHES replacement in place (again: no change)."""
    check_versions()
    for patch in PATCHES:
        owner_name, _, attribute = patch.target.rpartition(".")
        owner = pkgutil.resolve_name(owner_name)
        function = pkgutil.resolve_name(patch.replacement)
        if getattr(owner, attribute) is function:
            continue  # installed already
        # Rasa's attribute as written in its class (a staticmethod stays one), for original().
        _ORIGINALS.setdefault(patch.target, vars(owner)[attribute])
        setattr(owner, attribute, staticmethod(function) if patch.static else function)


def original(dotted_name: str) -> Any:
    """Rasa's own function at dotted_name, also once install() has replaced it."""
    if dotted_name in _ORIGINALS:
        saved = _ORIGINALS[dotted_name]
        return saved.__func__ if isinstance(saved, (staticmethod, classmethod)) else saved
    return pkgutil.resolve_name(dotted_name)


def source_hash(dotted_name: str) -> str:
    """The first 16 hex digits of the sha256 of Rasa's source of dotted_name, as installed."""
    function = original(dotted_name)
    if isinstance(function, property):
        function = function.fget
    return hashlib.sha256(inspect.getsource(function).encode()).hexdigest()[:16]
