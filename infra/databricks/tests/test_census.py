"""The census fold: admit/transfer/discharge/cancel/merge rules, ordering and duplicates."""

from __future__ import annotations

import random

from adt_pipeline.census import CensusEvent, Location, census_rows, fold

V = "demo"
A, B = "HOSP|1", "HOSP|2"
W4 = Location("4W", "401", "A", "HOSP")
ICU = Location("ICU", "1", "B", "HOSP")


def ev(seq: int, key: str, kind: str, location: Location | None = None, **kw: object) -> CensusEvent:
    return CensusEvent(V, seq, f"id-{seq}", key, kind, location=location, facility="HOSP", **kw)  # type: ignore[arg-type]


def inside(events: list[CensusEvent]) -> dict[str, str | None]:
    return {s.patient_key: s.unit for s in census_rows(fold(events))}


def test_admit_transfer_discharge_cancel_discharge() -> None:
    seq = [ev(1, A, "admit", W4), ev(2, A, "transfer", ICU), ev(3, A, "discharge", ICU), ev(4, A, "cancel-discharge")]
    assert inside(seq[:1]) == {A: "4W"}
    assert inside(seq[:2]) == {A: "ICU"}
    assert inside(seq[:3]) == {}
    # A13 without PV1-3: back in house where the patient last was.
    assert inside(seq) == {A: "ICU"}
    state = fold(seq)[(V, A)]
    assert (state.status, state.last_event_kind, state.last_seq, state.events_applied) == (
        "in_house",
        "cancel-discharge",
        4,
        4,
    )


def test_cancel_transfer_returns_to_message_location_or_remembered_one() -> None:
    base = [ev(1, A, "admit", W4), ev(2, A, "transfer", ICU)]
    assert inside([*base, ev(3, A, "cancel-transfer", W4)]) == {A: "4W"}
    assert inside([*base, ev(3, A, "cancel-transfer")]) == {A: "4W"}


def test_cancel_admit_and_register_are_not_in_house() -> None:
    assert inside([ev(1, A, "admit", W4), ev(2, A, "cancel-admit")]) == {}
    assert inside([ev(1, A, "register", W4), ev(2, A, "pre-admit", W4)]) == {}


def test_transfer_without_admit_puts_patient_in_house() -> None:
    assert inside([ev(5, A, "transfer", ICU)]) == {A: "ICU"}


def test_update_moves_only_in_house_patients_and_keeps_fields_it_lacks() -> None:
    events = [
        ev(1, A, "admit", W4, family_name="Doe", hospital_service="MED"),
        ev(2, A, "update", ICU),
        ev(3, B, "update", ICU),
    ]
    states = fold(events)
    assert inside(events) == {A: "ICU"}
    assert states[(V, A)].family_name == "Doe" and states[(V, A)].hospital_service == "MED"


def test_merge_moves_the_stay_to_the_survivor_and_retires_the_source() -> None:
    events = [ev(1, B, "admit", ICU, visit_number="V9"), ev(2, A, "merge", merge_source_keys=(B,))]
    states = fold(events)
    assert inside(events) == {A: "ICU"}
    assert states[(V, B)].status == "merged" and states[(V, B)].merged_into == A
    assert states[(V, A)].visit_number == "V9"


def test_merge_keeps_the_survivors_own_stay() -> None:
    events = [ev(1, A, "admit", W4), ev(2, B, "admit", ICU), ev(3, A, "merge", merge_source_keys=(B,))]
    assert inside(events) == {A: "4W"}


def test_merge_of_unknown_source_and_self_reference() -> None:
    events = [ev(1, A, "admit", W4), ev(2, A, "merge", merge_source_keys=(A, "HOSP|404"))]
    states = fold(events)
    assert inside(events) == {A: "4W"}
    assert states[(V, "HOSP|404")].status == "merged"


def test_order_is_seq_not_input_and_duplicates_count_once() -> None:
    events = [ev(1, A, "admit", W4), ev(2, A, "transfer", ICU), ev(3, A, "discharge"), ev(4, A, "cancel-discharge")]
    rng = random.Random(7)
    for _ in range(20):
        shuffled = [*events, *rng.sample(events, 2)]
        rng.shuffle(shuffled)
        states = fold(shuffled)
        assert inside(shuffled) == {A: "ICU"}
        assert states[(V, A)].events_applied == 4


def test_vendors_do_not_share_patients() -> None:
    events = [CensusEvent("x", 1, "a", A, "admit", location=W4), CensusEvent("y", 1, "b", A, "admit", location=ICU)]
    assert sorted((s.vendor, s.unit) for s in census_rows(fold(events))) == [("x", "4W"), ("y", "ICU")]
