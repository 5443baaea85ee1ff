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


def test_past_the_byte_budget_the_oldest_responses_are_dropped_first() -> None:
    store = ResponseStore(max_bytes=2500)
    for index in range(5):
        store.put(StoredResponse(id=f"resp_{index}", turns=1, tokens=1, prompt="", body=b"x" * 1000))
    assert [store.get(f"resp_{index}") is not None for index in range(5)] == [False, False, False, True, True]
    assert store.nbytes == 2000


def test_the_byte_count_is_the_bodies_and_prompts_held() -> None:
    store = ResponseStore()
    store.put(StoredResponse(id="resp_a", turns=1, tokens=1, prompt="Hello", body=b"{}"))
    store.put(StoredResponse(id="resp_b", turns=1, tokens=1, prompt="", body=b"x" * 10))
    store.drop("resp_a")
    assert store.nbytes == 10


def test_a_response_larger_than_the_budget_is_still_kept_until_the_next() -> None:
    store = ResponseStore(max_bytes=10)
    store.put(StoredResponse(id="resp_big", turns=1, tokens=1, prompt="", body=b"x" * 100))
    assert store.get("resp_big") is not None
    store.put(StoredResponse(id="resp_next", turns=1, tokens=1, prompt="", body=b"{}"))
    assert store.get("resp_big") is None
    assert store.nbytes == 2


def test_clearing_a_namespace_forgets_only_its_responses() -> None:
    store = ResponseStore()
    store.put(StoredResponse(id="resp_a", turns=1, tokens=1, prompt="", body=b"{}", namespace="a"))
    store.put(StoredResponse(id="resp_b", turns=1, tokens=1, prompt="", body=b"{}", namespace="b"))
    assert store.clear("a") == 1
    assert (store.get("resp_a"), store.get("resp_b") is not None, store.nbytes) == (None, True, 2)
