"""Responses the server produced, kept so a later request can continue from one by its id.

The Responses API stores what it answers: `previous_response_id` continues a conversation
and `GET /v1/responses/{id}` reads a response back. The store is bounded, oldest out first,
so a long-running server's memory stays flat however many requests it answers.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredResponse:
    """One answered request: its id, the conversation up to and including it, its final JSON body."""

    id: str
    turns: int
    tokens: int
    prompt: str
    body: bytes


class ResponseStore:
    """Thread-safe, because tests read it from their own thread while the server writes."""

    def __init__(self, limit: int = 4096) -> None:
        self._limit = limit
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, response: StoredResponse) -> None:
        with self._lock:
            self._items[response.id] = response
            while len(self._items) > self._limit:
                self._items.popitem(last=False)

    def get(self, response_id: str) -> StoredResponse | None:
        with self._lock:
            return self._items.get(response_id)

    def drop(self, response_id: str) -> None:
        with self._lock:
            self._items.pop(response_id, None)

    def __len__(self) -> int:
        return len(self._items)
