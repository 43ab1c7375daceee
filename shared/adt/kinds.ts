/**
 * HL7 ADT trigger → `AdtEvent.event.kind`. Triggers not listed map to `other`; a vendor
 * profile's `eventKinds` overrides single entries.
 */
import type { EventKind } from "./schema.ts";

export const KIND_BY_TRIGGER: Readonly<Record<string, EventKind>> = {
  A01: "admit",
  A02: "transfer",
  A03: "discharge",
  A04: "register",
  A05: "pre-admit",
  // A06/A07 change the patient class (outpatient ↔ inpatient): the visit is updated in place.
  A06: "update",
  A07: "update",
  A08: "update",
  A11: "cancel-admit",
  A12: "cancel-transfer",
  A13: "cancel-discharge",
  A17: "swap",
  A18: "merge",
  // A28 adds a person (no visit): a registration of the person.
  A28: "register",
  A31: "update",
  A30: "merge",
  A34: "merge",
  A35: "merge",
  A36: "merge",
  A39: "merge",
  A40: "merge",
  A41: "merge",
  A42: "merge",
  // "Change identifier" triggers rewrite identifiers (MRG says which): updates, not merges.
  A46: "update",
  A47: "update",
  A48: "update",
  A49: "update",
  A50: "update",
  A51: "update",
  A54: "update",
  A55: "update",
};

/** Triggers whose message must carry MRG (the merged or changed record). */
export const MRG_REQUIRED = new Set([
  "A18",
  "A30",
  "A34",
  "A35",
  "A36",
  "A39",
  "A40",
  "A41",
  "A42",
  "A46",
  "A47",
  "A48",
  "A49",
  "A50",
  "A51",
]);
