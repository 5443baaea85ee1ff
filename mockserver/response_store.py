"""Responses the server produced, kept so a later request can continue from one by its id.

The Responses API stores what it answers: `previous_response_id` continues a conversation
and `GET /v1/responses/{id}` reads a response back. The store is bounded by count and by
bytes, oldest out first, so a long-running server's memory stays flat however many requests
it answers and however large they are.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from mockserver.config import RESPONSES_MAX_BYTES

MAX_RESPONSES = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredResponse:
    """One answered request: its id, the conversation up to and including it, its final JSON body."""

    id: str
    turns: int
    tokens: int
    prompt: str
    body: bytes
    # The namespace that asked for it, whose reset forgets it.
    namespace: str = ""

    @property
    def size(self) -> int:
        """What it holds, in bytes: its body and its prompt (a character counted as a byte)."""
        return len(self.body) + len(self.prompt)


class ResponseStore:
    """Thread-safe, because tests read it from their own thread while the server writes."""

    def __init__(self, limit: int = MAX_RESPONSES, max_bytes: int = RESPONSES_MAX_BYTES) -> None:
        self._limit = limit
        self._max_bytes = max_bytes
        self._bytes = 0
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, response: StoredResponse) -> None:
        with self._lock:
            replaced = self._items.pop(response.id, None)
            if replaced is not None:
                self._bytes -= replaced.size
            self._items[response.id] = response
            self._bytes += response.size
            # The newest stays even when it alone is over the budget: a client chains on it next.
            while len(self._items) > 1 and (len(self._items) > self._limit or self._bytes > self._max_bytes):
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.size

    def get(self, response_id: str) -> StoredResponse | None:
        with self._lock:
            return self._items.get(response_id)

    def drop(self, response_id: str) -> None:
        with self._lock:
            dropped = self._items.pop(response_id, None)
            if dropped is not None:
                self._bytes -= dropped.size

    def clear(self, namespace: str | None = None) -> int:
        """Forget every response (of one namespace); how many were forgotten."""
        with self._lock:
            if namespace is None:
                count = len(self._items)
                self._items.clear()
                self._bytes = 0
                return count
            gone = [key for key, item in self._items.items() if item.namespace == namespace]
            for key in gone:
                self._bytes -= self._items.pop(key).size
            return len(gone)

    @property
    def nbytes(self) -> int:
        """The bytes held now, by the store's own accounting (see `StoredResponse.size`)."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)
