"""The store of answered responses: found by id, bounded with the oldest dropped first."""

from __future__ import annotations

from mockserver.response_store import ResponseStore, StoredResponse


def stored(response_id: str) -> StoredResponse:
    return StoredResponse(id=response_id, turns=1, tokens=10, prompt="Hi", body=b"{}")


def test_a_kept_response_is_found_by_its_id() -> None:
    store = ResponseStore()
    store.put(stored("resp_a"))
    assert store.get("resp_a") == stored("resp_a")
    assert store.get("resp_b") is None


def test_past_the_limit_the_oldest_response_is_dropped_first() -> None:
    store = ResponseStore(limit=2)
    for response_id in ("resp_1", "resp_2", "resp_3"):
        store.put(stored(response_id))
    assert [store.get(i) is not None for i in ("resp_1", "resp_2", "resp_3")] == [False, True, True]
    assert len(store) == 2


def test_a_dropped_response_is_no_longer_found() -> None:
    store = ResponseStore()
    store.put(stored("resp_a"))
    store.drop("resp_a")
    assert store.get("resp_a") is None
