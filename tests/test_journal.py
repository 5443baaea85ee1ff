"""The journal: bounded by count and by bytes, oldest first, and each namespace told what it lost."""

from __future__ import annotations

from mockserver.journal import CALL_OVERHEAD, Call, Journal


def call(namespace: str = "", index: int = 0) -> Call:
    return Call(
        dialect="openai_chat",
        method="POST",
        path="/v1/chat/completions",
        headers={},
        body=index,
        time=0.0,
        namespace=namespace,
    )


def bodies(journal: Journal, namespace: str | None = None) -> list[object]:
    return [c.body for c in journal.calls(namespace)]


def test_past_the_count_limit_the_oldest_requests_are_dropped_and_counted() -> None:
    journal = Journal(limit=2)
    for index in range(5):
        journal.record(call(index=index))
    assert (bodies(journal), journal.evicted("")) == ([3, 4], 3)


def test_past_the_byte_budget_the_oldest_requests_are_dropped_first() -> None:
    journal = Journal(max_bytes=3 * (CALL_OVERHEAD + 1000))
    for index in range(5):
        journal.charge(journal.record(call(index=index)), 1000)
    assert bodies(journal) == [2, 3, 4]
    assert journal.nbytes == 3 * (CALL_OVERHEAD + 1000)


def test_evictions_are_counted_per_namespace() -> None:
    journal = Journal(limit=3)
    for namespace in ("a", "b", "a", "b", "b"):
        journal.record(call(namespace))
    assert (journal.evicted("a"), journal.evicted("b"), journal.evicted()) == (1, 1, 2)


def test_the_newest_request_stays_even_alone_over_the_budget() -> None:
    journal = Journal(max_bytes=100)
    journal.charge(journal.record(call(index=1)), 10_000)
    assert bodies(journal) == [1]


def test_a_request_dropped_before_its_body_is_read_is_not_charged() -> None:
    journal = Journal(limit=1)
    early = journal.record(call(index=1))
    journal.record(call(index=2))
    journal.charge(early, 10_000)
    assert journal.nbytes == CALL_OVERHEAD


def test_clearing_a_namespace_frees_its_bytes_and_restarts_its_eviction_count() -> None:
    journal = Journal(limit=2)
    for namespace in ("a", "a", "b"):
        journal.charge(journal.record(call(namespace)), 500)
    journal.clear("a")
    assert (bodies(journal, "b"), journal.evicted("a"), journal.nbytes) == ([0], 0, CALL_OVERHEAD + 500)
    journal.clear()
    assert (len(journal), journal.nbytes) == (0, 0)
