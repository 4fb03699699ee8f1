"""Rasa's Redis lock store, with tickets issued atomically across Rasa servers.

Rasa 3.6 issues a conversation's tickets by reading the lock from Redis, adding a ticket and
writing it back. Two servers that receive a message of the same conversation at the same
moment can both read "no ticket", both write ticket 0 and both process at once; one message's
events are then lost (seen 1 time in 6 in tests/test_scaleout.py). This store does the same,
holding a short Redis mutex (SET NX with an expiry, redis-py's Lock) around each
read-modify-write of a conversation's lock.

    lock_store:
      type: bot.lock_store.AtomicRedisLockStore
      url: localhost
      port: 6379
"""
from __future__ import annotations

from typing import Any, Text

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

# A mutex is held for one Redis read and one write; it expires if its holder dies.
MUTEX_TIMEOUT_S = 5


class AtomicRedisLockStore(RedisLockStore):
    """RedisLockStore whose ticket updates cannot interleave (see the module docstring)."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds a custom lock store from its endpoint, not from keyword arguments.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _mutex(self, conversation_id: Text) -> Any:
        return self.red.lock(f"{self.key_prefix}{conversation_id}:mutex", timeout=MUTEX_TIMEOUT_S,
                             blocking_timeout=MUTEX_TIMEOUT_S)

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        """Issue the next ticket, alone on this conversation's lock."""
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Remove a served ticket (and the lock if no one waits), alone on the lock."""
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
