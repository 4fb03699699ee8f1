"""Rasa's Redis lock store, with tickets issued atomically across Rasa servers, off the event loop.

Rasa 3.6 issues a conversation's tickets by reading the lock from Redis, adding a ticket and
writing it back. Two servers that receive a message of the same conversation at the same
moment can both read "no ticket", both write ticket 0 and both process at once; one message's
events are then lost (seen 1 time in 6 in tests/test_scaleout.py). This store does the same,
holding a short Redis mutex (SET NX with an expiry, redis-py's Lock) around each
read-modify-write of a conversation's lock: issuing a ticket, dropping the expired ones while
waiting (update_lock), giving a ticket back (cleanup).

Rasa's `LockStore.lock` also makes these round trips with the synchronous Redis client inside
the server's event loop: while Redis answers, or while the mutex is taken (up to
MUTEX_TIMEOUT_S), no other conversation moves. `lock` and `_acquire_lock` here are Rasa's, with
each round trip in a worker thread of the store's own (not the loop's default executor, where
the tracker store's queries would delay them): same tickets, same waiting between attempts
(asyncio.sleep), same cleanup, which runs to its end even if the waiting request is cancelled.

    lock_store:
      type: bot.server.lock_store.AtomicRedisLockStore
      url: localhost
      port: 6379
"""
from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Callable, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

# A mutex is held for one Redis read and one write; it expires if its holder dies.
MUTEX_TIMEOUT_S = 5
# Threads per store for its Redis round trips: each is short, but may wait for a mutex.
REDIS_THREADS = 8


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket updates neither interleave nor block the event loop (module docstring)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint, not from keyword arguments.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)
        # Threads are started on first use only: stores used synchronously start none.
        self._threads = ThreadPoolExecutor(max_workers=REDIS_THREADS, thread_name_prefix="lock-store")

    def _mutex(self, conversation_id: Text) -> Any:
        return self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_TIMEOUT_S,
                             blocking_timeout=MUTEX_TIMEOUT_S)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket, alone on this conversation's lock."""
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: Text) -> None:
        """Drop the expired tickets, alone on the lock (else its write could undo a ticket just issued)."""
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove a served ticket (and the lock if no one waits), alone on the lock."""
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)

    def _in_thread(self, function: Callable[..., Any], *args: Any) -> "asyncio.Future[Any]":
        return asyncio.get_running_loop().run_in_executor(self._threads, function, *args)

    def _give_back(self, conversation_id: Text, issuing: "Future[int]") -> None:
        if not issuing.cancelled() and issuing.exception() is None:
            self._threads.submit(self.cleanup, conversation_id, issuing.result())

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        """LockStore.lock (wait for this message's turn, then give the ticket back), Redis in threads."""
        issuing = self._threads.submit(self.issue_ticket, conversation_id, lock_lifetime)
        try:
            # Shielded: a ticket being issued is issued, even for a request cancelled meanwhile.
            ticket = await asyncio.shield(asyncio.wrap_future(issuing))
        except asyncio.CancelledError:
            # Give it back, or this conversation's next messages wait for it to expire; from the
            # worker thread, as the event loop may be gone by then.
            issuing.add_done_callback(functools.partial(self._give_back, conversation_id))
            raise
        try:
            yield await self._acquire_lock(conversation_id, ticket, wait_time_in_seconds)
        finally:
            # Shielded: Rasa's synchronous cleanup could not be interrupted either.
            await asyncio.shield(self._in_thread(self.cleanup, conversation_id, ticket))

    async def _acquire_lock(self, conversation_id: Text, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """LockStore._acquire_lock (poll until the ticket is served), Redis in threads."""
        logger.debug(f"Acquiring lock for conversation '{conversation_id}'.")
        while True:
            # Read anew each time: the lock may have expired meanwhile.
            lock = await self._in_thread(self.get_lock, conversation_id)
            if not lock:
                break
            if not lock.is_locked(ticket):
                logger.debug(f"Acquired lock for conversation '{conversation_id}'.")
                return lock
            logger.debug(f"Failed to acquire lock for conversation ID '{conversation_id}' because "
                         f"{ticket - (lock.now_serving or 0)} other item(s) for this conversation ID have "
                         f"to be finished processing first. Retrying in {wait_time_in_seconds} seconds ...")
            await asyncio.sleep(wait_time_in_seconds)
            await self._in_thread(self.update_lock, conversation_id)
        raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
