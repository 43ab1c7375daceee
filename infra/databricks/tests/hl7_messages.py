"""HL7 v2.5.1 ADT messages for the pipeline's tests, built from field positions (1-based)."""

from __future__ import annotations

from dataclasses import dataclass


def seg(name: str, fields: dict[int, str]) -> str:
    """A segment from field positions, so fixtures cannot miscount pipes."""
    last = max(fields, default=0)
    return "|".join([name, *(fields.get(i, "") for i in range(1, last + 1))])


@dataclass(frozen=True)
class Patient:
    mrn: str
    family: str = "Doe"
    given: str = "John"
    authority: str = "HOSP"

    @property
    def key(self) -> str:
        return f"{self.authority}|{self.mrn}"


def adt(
    trigger: str,
    control_id: str,
    patient: Patient,
    *,
    unit: str | None = "4W",
    room: str = "401",
    bed: str = "A",
    prior_unit: str | None = None,
    facility: str = "HOSP",
    patient_class: str = "I",
    visit: str = "V1",
    merged_from: Patient | None = None,
    sent: str = "20240702083000",
) -> str:
    """One ADT message (``\\r`` separated). ``unit=None`` leaves PV1-3 empty."""
    structure = {"A08": "A01", "A13": "A01", "A12": "A12", "A11": "A09", "A40": "A39"}.get(trigger, trigger)
    segments = [
        f"MSH|^~\\&|ADT1|{facility}|RECV|RFAC|{sent}||ADT^{trigger}^ADT_{structure}|{control_id}|P|2.5.1",
        f"EVN|{trigger}|{sent}",
        seg(
            "PID",
            {
                1: "1",
                3: f"{patient.mrn}^^^{patient.authority}^MR",
                5: f"{patient.family}^{patient.given}",
                7: "19800229",
                8: "M",
            },
        ),
    ]
    if merged_from is not None:
        segments.append(seg("MRG", {1: f"{merged_from.mrn}^^^{merged_from.authority}^MR"}))
    segments.append(
        seg(
            "PV1",
            {
                1: "1",
                2: patient_class,
                3: f"{unit}^{room}^{bed}^{facility}" if unit else "",
                6: f"{prior_unit}^100^A^{facility}" if prior_unit else "",
                7: "1234^Welby^Marcus",
                10: "MED",
                19: f"{visit}^^^{patient.authority}^VN",
                44: "20240702081500",
            },
        )
    )
    return "\r".join(segments)
