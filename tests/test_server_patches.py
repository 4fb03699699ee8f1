"""Rasa's internals fenced (bot/server/patches.py): versions checked, replacements installed once,
every override pinned to the Rasa source it was written for; the lock store off the event loop."""
from __future__ import annotations

import asyncio
import functools
import importlib
import inspect
import os
import pkgutil
import subprocess
import sys
import threading
import time
import uuid
from importlib import metadata

import pytest

import bot.nlu
import bot.server
from bot.server import patches
from bot.settings import ROOT

# Packages whose code the project may override: what OVERRIDDEN pins.
EXTERNAL = ("rasa", "rasa_sdk", "socketio", "engineio")
REPLACED = [patch.target for patch in patches.PATCHES]
REAL_VERSION = metadata.version
WRONG_RASA = ("rasa 3.6.20 is installed but the assistant was written for 3.6.21 (requirements.txt): "
              "run `make setup`.")


def project_overrides() -> dict[str, str]:
    """Rasa's dotted name of each method that a class of bot/server or bot/nlu overrides, and the class."""
    found = {}
    for package in (bot.server, bot.nlu):
        for info in pkgutil.iter_modules(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ != module.__name__:
                    continue
                for name, value in vars(cls).items():
                    if not (inspect.isfunction(value) or isinstance(value, (staticmethod, classmethod, property))):
                        continue
                    # The nearest class above that defines it: the code this one replaces.
                    owner = next((base for base in cls.__mro__[1:] if name in vars(base)), None)
                    if owner is not None and owner.__module__.split(".")[0] in EXTERNAL:
                        found[f"{owner.__module__}.{owner.__qualname__}.{name}"] = f"{module.__name__}.{cls.__qualname__}"
    return found


@pytest.mark.parametrize("name", sorted(patches.OVERRIDDEN))
def test_rasas_source_is_the_one_each_override_was_written_for(name):
    pin, found = patches.OVERRIDDEN[name], patches.source_hash(name)
    assert found == pin.source_sha256, (
        f"{name} is no longer the Rasa code the project's override or replacement was written for "
        f"(source sha256 {found}, pinned {pin.source_sha256}): re-check {pin.recheck}; then pin the new "
        f"hash in bot/server/patches.py OVERRIDDEN.")


def test_every_method_overridden_in_bot_server_and_bot_nlu_is_pinned():
    overrides = project_overrides()
    assert overrides["rasa.core.lock_store.LockStore.lock"] == "bot.server.lock_store.AtomicRedisLockStore"
    missing = {name: cls for name, cls in overrides.items() if name not in patches.OVERRIDDEN}
    assert not missing, f"overridden without a pin in bot/server/patches.py OVERRIDDEN: {missing}"
    assert set(REPLACED) <= set(patches.OVERRIDDEN)


def replaced() -> list:
    """(Rasa's class, attribute) of each function install() replaces."""
    return [(pkgutil.resolve_name(target.rpartition(".")[0]), target.rpartition(".")[2]) for target in REPLACED]


def attributes() -> list:
    """The class attributes install() replaces, as they are now."""
    return [vars(owner)[attribute] for owner, attribute in replaced()]


@pytest.fixture
def rasa_restored(monkeypatch):
    """Rasa's own functions in place during the test and after it, whatever install() does."""
    for target, (owner, attribute) in zip(REPLACED, replaced()):
        monkeypatch.setattr(owner, attribute, patches._ORIGINALS.get(target, vars(owner)[attribute]))


def fake_version(monkeypatch, name, version):
    """importlib.metadata answering `version` for the package `name` (None: not installed)."""
    def answer(asked):
        if asked == name and version is None:
            raise metadata.PackageNotFoundError(asked)
        return version if asked == name else REAL_VERSION(asked)

    monkeypatch.setattr(metadata, "version", answer)


def test_install_puts_the_projects_functions_in_place_once(rasa_restored):
    from rasa.core.actions.action import RemoteAction
    from rasa.nlu.model import InvalidModelError
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.core.events import Event, UserUttered

    from bot.server import speedups

    rasa_own = [patches.original(target) for target in REPLACED]
    patches.install()
    assert RemoteAction._validate_action_result is speedups.validate_action_result
    assert SpacyNLP.load_model is speedups.load_spacy_model
    assert Event.resolve_by_type is speedups.resolve_event_type
    installed = attributes()
    patches.install()
    assert attributes() == installed  # the very same objects: nothing changed
    assert [patches.original(target) for target in REPLACED] == rasa_own
    # The replacements reach Rasa's own functions, not themselves.
    assert Event.resolve_by_type("user") is UserUttered
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")
    with pytest.raises(InvalidModelError):
        SpacyNLP.load_model("no_such_spacy_model")


def test_another_rasa_is_refused_in_one_sentence_and_nothing_is_installed(rasa_restored, monkeypatch):
    patches.check_versions()  # the packages installed are the pinned ones
    assert {package: metadata.version(package) for package in patches.PINNED} == patches.PINNED
    fake_version(monkeypatch, "rasa", "3.6.20")
    before = attributes()
    with pytest.raises(patches.RasaVersionError) as refused:
        patches.install()
    assert str(refused.value) == WRONG_RASA
    assert attributes() == before
    fake_version(monkeypatch, "python-socketio", None)
    with pytest.raises(patches.RasaVersionError) as refused:
        patches.check_versions()
    assert str(refused.value) == ("python-socketio is not installed but the assistant was written for 5.9.0 "
                                  "(requirements.txt): run `make setup`.")


def test_python_m_bot_server_exits_with_2_and_one_line_on_another_rasa(tmp_path):
    # sitecustomize runs at interpreter start: the server process itself sees Rasa 3.6.20.
    (tmp_path / "sitecustomize.py").write_text(
        "import importlib.metadata as m\n_real = m.version\n"
        "m.version = lambda name: '3.6.20' if name == 'rasa' else _real(name)\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    done = subprocess.run([sys.executable, "-m", "bot.server", "run", "--model", "models/none.tar.gz"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr, done.stdout) == (2, f"rasa server: {WRONG_RASA}\n", "")


# The lock store, on a real Redis.

@pytest.fixture
def redis_endpoint():
    """The endpoint Rasa reads from endpoints.yml for the store, with keys of this test only."""
    import redis
    from rasa.utils.endpoints import EndpointConfig

    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip("Redis not reachable at 127.0.0.1:6379 (start it: redis-server --daemonize yes --bind "
                    f"127.0.0.1 --port 6379 --save '' --appendonly no): {error}")
    prefix = f"test{uuid.uuid4().hex}"
    yield EndpointConfig(url="127.0.0.1", type="bot.server.lock_store.AtomicRedisLockStore", port=6379, db=1,
                         key_prefix=prefix)
    keys = list(client.scan_iter(match=f"{prefix}*"))
    client.close()
    assert keys == []  # every lock and mutex was removed


def rasa_built(endpoint):
    """The store as Rasa builds it from its endpoint."""
    from rasa.core.lock_store import LockStore

    store = LockStore.create(endpoint)
    assert type(store).__module__ + "." + type(store).__qualname__ == endpoint.type
    return store


def hold_mutex(store, conversation: str, seconds: float) -> threading.Thread:
    """Another server holding the conversation's mutex for `seconds`, from a thread."""
    taken = threading.Event()

    def hold():
        with store._mutex(conversation):
            taken.set()
            time.sleep(seconds)

    thread = threading.Thread(target=hold)
    thread.start()
    assert taken.wait(5)
    return thread


async def one_message(lock, conversation: str) -> None:
    async with lock(conversation, wait_time_in_seconds=0.05):
        await asyncio.sleep(0.01)


async def longest_pause(work) -> float:
    """The longest the event loop stopped while `work` ran (largest gap between heartbeats)."""
    beats, done = [time.monotonic()], asyncio.Event()

    async def heartbeat():
        while not done.is_set():
            await asyncio.sleep(0.01)
            beats.append(time.monotonic())

    beating = asyncio.create_task(heartbeat())
    try:
        await work
    finally:
        done.set()
        await beating
    return max(later - earlier for earlier, later in zip(beats, beats[1:]))


def test_waiting_for_redis_does_not_stop_the_event_loop(redis_endpoint):
    from rasa.core.lock_store import LockStore

    store, conversation = rasa_built(redis_endpoint), uuid.uuid4().hex
    holder = hold_mutex(store, conversation, 0.8)
    ours = asyncio.run(longest_pause(one_message(store.lock, conversation)))
    holder.join()
    holder = hold_mutex(store, conversation, 0.8)
    rasas = asyncio.run(longest_pause(one_message(functools.partial(LockStore.lock, store), conversation)))
    holder.join()
    assert rasas > 0.5  # Rasa's own `lock` stops the loop while it waits for Redis: the test sees it
    assert ours < 0.3
    assert store.get_lock(conversation) is None


def test_two_conversations_are_served_at_once(redis_endpoint):
    store = rasa_built(redis_endpoint)
    first, second = uuid.uuid4().hex, uuid.uuid4().hex

    async def scenario() -> None:
        async with store.lock(first, wait_time_in_seconds=0.05):
            # While the first conversation's message is being answered, the second's is served.
            await asyncio.wait_for(one_message(store.lock, second), 3)

    asyncio.run(scenario())
    assert store.get_lock(first) is None and store.get_lock(second) is None


def test_one_conversation_is_served_one_message_at_a_time_in_ticket_order(redis_endpoint):
    stores = [rasa_built(redis_endpoint), rasa_built(redis_endpoint)]  # two Rasa servers
    conversation = uuid.uuid4().hex

    async def scenario() -> list[int]:
        served, inside, release = [], [], asyncio.Event()

        async def message(n: int) -> None:
            async with stores[n % 2].lock(conversation, wait_time_in_seconds=0.02) as lock:
                inside.append(n)
                assert len(inside) == 1, f"messages {inside} served at once"
                served.append(lock.now_serving)
                if n == 0:
                    await release.wait()
                await asyncio.sleep(0.01)
                inside.remove(n)

        first = asyncio.create_task(message(0))
        while not served:
            await asyncio.sleep(0.01)
        others = [asyncio.create_task(message(n)) for n in range(1, 6)]
        while len((await asyncio.to_thread(stores[0].get_lock, conversation)).tickets) < 6:
            await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(first, *others)
        return served

    assert asyncio.run(asyncio.wait_for(scenario(), 20)) == [0, 1, 2, 3, 4, 5]
    assert stores[0].get_lock(conversation) is None


def test_a_message_cancelled_while_its_ticket_is_issued_gives_it_back(redis_endpoint):
    store, conversation = rasa_built(redis_endpoint), uuid.uuid4().hex
    issued, issue_ticket = threading.Event(), store.issue_ticket
    store.issue_ticket = lambda *args: (issue_ticket(*args), issued.set())[0]
    holder = hold_mutex(store, conversation, 0.3)

    async def scenario() -> None:
        cancelled = asyncio.create_task(one_message(store.lock, conversation))
        await asyncio.sleep(0.1)  # its ticket is being issued: the mutex is taken
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        assert await asyncio.to_thread(issued.wait, 3)  # issued all the same
        # The next message is served at once, not when that ticket expires (LOCK_LIFETIME, 60 s).
        await asyncio.wait_for(one_message(store.lock, conversation), 3)

    asyncio.run(scenario())
    holder.join()
    assert store.get_lock(conversation) is None
