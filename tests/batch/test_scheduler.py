"""The batch scheduler on its own: file order, but one lead per e-mail address in flight."""

from __future__ import annotations

from connector.batch.scheduler import EmailScheduler


def scheduler(*emails: str) -> EmailScheduler[tuple[int, str]]:
    return EmailScheduler(list(enumerate(emails)), key=lambda item: item[1].lower())


def test_leads_come_out_in_file_order_when_addresses_differ() -> None:
    s = scheduler("a@x", "b@x", "c@x")
    taken = [s.take(), s.take(), s.take()]
    assert taken == [(0, "a@x"), (1, "b@x"), (2, "c@x")]
    assert s.take() is None and s.remaining() == []


def test_a_second_lead_with_a_busy_address_waits_until_the_first_finishes() -> None:
    s = scheduler("a@x", "A@x", "b@x")
    first = s.take()
    s.started(first)
    assert s.take() == (2, "b@x")  # the other A@x is held, b@x goes ahead
    assert s.take() is None  # only the held lead is left, and its address is busy
    assert s.remaining() == [(1, "A@x")]
    s.finished(first)
    assert s.take() == (1, "A@x")


def test_a_held_address_keeps_later_rows_of_it_behind_in_file_order() -> None:
    s = scheduler("a@x", "a@x", "a@x")
    first = s.take()
    s.started(first)
    assert s.take() is None
    s.finished(first)
    second = s.take()
    assert second == (1, "a@x")
    s.started(second)
    assert s.take() is None  # the third waits for the second, not just the first
    s.finished(second)
    assert s.take() == (2, "a@x")


def test_leads_without_an_address_never_wait() -> None:
    s = scheduler("", "", "a@x")
    one, two = s.take(), s.take()
    s.started(one)
    s.started(two)
    assert (one, two) == ((0, ""), (1, ""))
    assert s.take() == (2, "a@x")
