"""Inpatient census as a pure fold over a patient's ADT events (no Spark here).

The gold table is recomputed for every patient a micro-batch touches from that patient's whole
silver history, so the result does not depend on how records were split into micro-batches, on
redelivered duplicates, or on a late record with a smaller ``seq``: it is always
``fold(sorted history)``. ``seq`` is assigned per vendor at enqueue, so sorting by it restores
arrival order; patient keys are only compared within one vendor.

Rules per ``event.kind`` (the HL7 triggers in brackets are the usual ones):

- ``admit`` [A01]: in house at the event's location; a new stay starts.
- ``transfer`` [A02]: in house at the new location (a transfer for a patient we never saw admitted
  also puts them in house: the message proves they are); the old location is remembered.
- ``cancel-transfer`` [A12]: back to the location in the message (HL7 puts the pre-transfer
  location in PV1-3), else to the remembered one.
- ``discharge`` [A03]: out of house; the location is kept for a cancel.
- ``cancel-discharge`` [A13]: in house again, at the message's location or the last known one.
- ``cancel-admit`` [A11]: out of house.
- ``merge`` [A34/A40/...]: every prior identifier in MRG-1 (same vendor) is retired; a stay of
  the prior record moves to the surviving patient unless the survivor is already in house.
- ``update``/``swap`` [A08/A17/...]: demographics; an in-house patient's location follows the
  message when it carries one. ``register``/``pre-admit``/``other``: demographics only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

PatientId = tuple[str, str]
"""(vendor, patient key ``authority|id``)."""


@dataclass(frozen=True)
class Location:
    point_of_care: str | None = None
    room: str | None = None
    bed: str | None = None
    facility: str | None = None
    building: str | None = None
    floor: str | None = None


@dataclass(frozen=True)
class CensusEvent:
    """The fields of one silver row that the census needs."""

    vendor: str
    seq: int
    ingest_id: str
    patient_key: str
    kind: str
    received_at: datetime | None = None
    facility: str | None = None
    location: Location | None = None
    patient_class: str | None = None
    hospital_service: str | None = None
    admitted_at: datetime | None = None
    family_name: str | None = None
    given_name: str | None = None
    visit_number: str | None = None
    attending_id: str | None = None
    attending_name: str | None = None
    merge_source_keys: tuple[str, ...] = ()


@dataclass
class PatientState:
    vendor: str
    patient_key: str
    in_house: bool = False
    status: str = "unknown"
    facility: str | None = None
    location: Location | None = None
    previous_location: Location | None = None
    patient_class: str | None = None
    hospital_service: str | None = None
    admitted_at: datetime | None = None
    family_name: str | None = None
    given_name: str | None = None
    visit_number: str | None = None
    attending_id: str | None = None
    attending_name: str | None = None
    merged_into: str | None = None
    last_event_kind: str | None = None
    last_seq: int | None = None
    last_ingest_id: str | None = None
    last_received_at: datetime | None = None
    events_applied: int = field(default=0)

    @property
    def unit(self) -> str | None:
        return self.location.point_of_care if self.location else None


_DEMOGRAPHICS = (
    "family_name",
    "given_name",
    "visit_number",
    "patient_class",
    "hospital_service",
    "attending_id",
    "attending_name",
    "facility",
)

_STAY = (
    "facility",
    "location",
    "previous_location",
    "patient_class",
    "hospital_service",
    "admitted_at",
    "visit_number",
    "attending_id",
    "attending_name",
)


def _take_demographics(state: PatientState, event: CensusEvent) -> None:
    # Only what the message carries: an A08 without PV1 must not blank the census row.
    for name in _DEMOGRAPHICS:
        value = getattr(event, name)
        if value is not None:
            setattr(state, name, value)


def _admit(state: PatientState, event: CensusEvent, location: Location | None) -> None:
    state.in_house = True
    state.status = "in_house"
    state.merged_into = None
    if location is not None:
        state.location = location
    if event.admitted_at is not None:
        state.admitted_at = event.admitted_at


def apply_event(states: dict[PatientId, PatientState], event: CensusEvent) -> None:
    """Applies one event to ``states`` in place (see the module docstring for the rules)."""
    pid = (event.vendor, event.patient_key)
    state = states.get(pid)
    if state is None:
        state = states[pid] = PatientState(vendor=event.vendor, patient_key=event.patient_key)
    _take_demographics(state, event)
    kind = event.kind

    if kind == "admit":
        state.previous_location = None
        state.admitted_at = None
        _admit(state, event, event.location)
    elif kind == "transfer":
        if event.location is not None and event.location != state.location:
            state.previous_location = state.location
        _admit(state, event, event.location)
    elif kind == "cancel-transfer":
        restored = event.location or state.previous_location
        if restored is not None:
            state.location = restored
        state.previous_location = None
    elif kind == "discharge":
        state.in_house = False
        state.status = "discharged"
    elif kind == "cancel-discharge":
        _admit(state, event, event.location)
    elif kind == "cancel-admit":
        state.in_house = False
        state.status = "cancelled"
    elif kind == "merge":
        for source_key in event.merge_source_keys:
            if source_key != event.patient_key:
                _merge_into(states, state, (event.vendor, source_key))
    elif kind in ("update", "swap"):
        if state.in_house and event.location is not None:
            state.location = event.location

    state.last_event_kind = kind
    state.last_seq = event.seq
    state.last_ingest_id = event.ingest_id
    state.last_received_at = event.received_at
    state.events_applied += 1


def _merge_into(states: dict[PatientId, PatientState], survivor: PatientState, source_id: PatientId) -> None:
    source = states.get(source_id)
    if source is None:
        source = states[source_id] = PatientState(vendor=source_id[0], patient_key=source_id[1])
    if source.in_house and not survivor.in_house:
        for name in _STAY:
            setattr(survivor, name, getattr(source, name))
        survivor.in_house = True
        survivor.status = "in_house"
    source.in_house = False
    source.status = "merged"
    source.merged_into = survivor.patient_key


def fold(events: Iterable[CensusEvent]) -> dict[PatientId, PatientState]:
    """Census state of every patient named in ``events`` (as subject or merge source).

    Events are applied in ``(vendor, seq)`` order, duplicates of one ``ingest_id`` once.

    >>> s = fold([CensusEvent("v", 1, "a", "H|1", "admit", location=Location("4W", "401", "A")),
    ...           CensusEvent("v", 2, "b", "H|1", "discharge")])
    >>> s[("v", "H|1")].in_house
    False
    """
    seen: set[str] = set()
    states: dict[PatientId, PatientState] = {}
    for event in sorted(events, key=lambda e: (e.vendor, e.seq, e.ingest_id)):
        if event.ingest_id in seen:
            continue
        seen.add(event.ingest_id)
        apply_event(states, event)
    return states


def census_rows(states: dict[PatientId, PatientState]) -> list[PatientState]:
    """The patients currently in house, in a stable order (facility, unit, room, bed, key)."""
    inside = [s for s in states.values() if s.in_house]
    return sorted(
        inside,
        key=lambda s: (
            s.vendor,
            s.facility or "",
            s.unit or "",
            (s.location.room if s.location else None) or "",
            (s.location.bed if s.location else None) or "",
            s.patient_key,
        ),
    )
