/**
 * `AdtEvent` v1: the normalised, HL7-free contract that goes to Kafka and the lakehouse.
 *
 * Shape rules (the Databricks pipeline derives Spark columns from the JSON Schema export):
 * every key is always present (absent data is `null` or `[]`), objects have fixed typed
 * properties, lists are arrays of one object shape, no unions of different shapes. The only
 * map is `extensions` (string → string|null). Descriptions name the HL7 source per version;
 * they are copied into the JSON Schema and into docs/adt-event.md.
 *
 * Changing a field's meaning or removing one is a new version (`adt-event/v2`); adding a
 * nullable field is not, but still needs `npm run schema:generate` and a docs update.
 */
import { z } from "zod";

export const ADT_EVENT_SCHEMA_ID = "adt-event/v1";

const str = (description: string) => z.string().nullable().describe(description);

export const EVENT_KINDS = [
  "admit",
  "register",
  "pre-admit",
  "transfer",
  "discharge",
  "update",
  "cancel-admit",
  "cancel-transfer",
  "cancel-discharge",
  "merge",
  "swap",
  "other",
] as const;

export const EventKindSchema = z.enum(EVENT_KINDS);
export type EventKind = z.infer<typeof EventKindSchema>;

export const TimestampSchema = z
  .object({
    value: z
      .string()
      .describe(
        "ISO 8601 at the precision the sender used: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, `YYYY-MM-DDTHH±hh:mm`, `YYYY-MM-DDTHH:MM±hh:mm`, `YYYY-MM-DDTHH:MM:SS±hh:mm`, `YYYY-MM-DDTHH:MM:SS.S…±hh:mm` (1–4 fraction digits). The offset is the sender's when given, else the vendor profile's time zone at that instant.",
      ),
    precision: z
      .enum(["year", "month", "day", "hour", "minute", "second", "fraction"])
      .describe("How much of `value` the sender gave."),
    utc: z.iso
      .datetime()
      .describe(
        "Start of the period `value` names, as a UTC instant with milliseconds (`YYYY-MM-DDTHH:MM:SS.sssZ`); for ordering and partitioning. Check `precision` before treating it as exact.",
      ),
  })
  .describe("A point in time converted from an HL7 DTM/TS value.");

export const CalendarDateSchema = z
  .object({
    value: z
      .string()
      .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/)
      .describe("`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the sender wrote it; never shifted by a time zone."),
    precision: z.enum(["year", "month", "day"]).describe("How much of the date the sender gave."),
    date: z.iso
      .date()
      .nullable()
      .describe("The full date when `precision` is `day`, else null (no day is invented)."),
  })
  .describe("A calendar date (no time zone).");

const timestamp = (description: string) => TimestampSchema.nullable().describe(description);

export const IdentifierSchema = z.object({
  id: z.string().describe("CX.1 ID number."),
  authority: str("CX.4 assigning authority: HD.1 namespace id, else HD.2 universal id (v2.3–2.8 alike)."),
  type: str("CX.5 identifier type code (HL7 table 0203: MR, PI, AN, VN, SS…)."),
});
export type Identifier = z.infer<typeof IdentifierSchema>;

export const PersonNameSchema = z.object({
  family: str("XPN.1 family name (v2.3: ST; v2.4+: FN, its first subcomponent, the surname)."),
  given: str("XPN.2 given name."),
  middle: str("XPN.3 second and further given names or initials."),
  suffix: str("XPN.4 suffix (JR, III)."),
  prefix: str("XPN.5 prefix (DR)."),
  type: str("XPN.7 name type code (HL7 table 0200: L legal, D display…)."),
});

export const ClinicianSchema = z.object({
  id: str("XCN.1 ID number."),
  family: str("XCN.2 family name (v2.3: ST; v2.4+: FN, first subcomponent)."),
  given: str("XCN.3 given name."),
  middle: str("XCN.4 second and further given names."),
  suffix: str("XCN.5 suffix."),
  prefix: str("XCN.6 prefix."),
  authority: str("XCN.9 assigning authority (HD.1, else HD.2)."),
});

export const LocationSchema = z.object({
  pointOfCare: str(
    "PL.1 point of care (nursing unit, clinic); IS up to v2.6, HD from v2.7 (its namespace id).",
  ),
  room: str("PL.2 room (IS; HD from v2.7, its namespace id)."),
  bed: str("PL.3 bed (IS; HD from v2.7, its namespace id)."),
  facility: str("PL.4 facility (HD.1, else HD.2)."),
  building: str("PL.7 building."),
  floor: str("PL.8 floor."),
});

export const AddressSchema = z.object({
  street: str("XAD.1 street address (v2.3: ST; v2.4+: SAD, its first subcomponent)."),
  otherDesignation: str("XAD.2 other designation (apartment, suite)."),
  city: str("XAD.3 city."),
  state: str("XAD.4 state or province."),
  postalCode: str("XAD.5 zip or postal code."),
  country: str("XAD.6 country."),
  type: str("XAD.7 address type (HL7 table 0190: H home, M mailing…)."),
});

export const PhoneSchema = z.object({
  source: z.enum(["home", "business"]).describe("`home` from PID-13, `business` from PID-14."),
  use: str("XTN.2 telecommunication use code (HL7 table 0201: PRN, WPN, NET…)."),
  equipment: str("XTN.3 equipment type (HL7 table 0202: PH, CP, Internet…)."),
  number: str(
    "The number as text: XTN.12 unformatted number (v2.6+) when present, else built from XTN.5 country, XTN.6 area, XTN.7 local number and XTN.8 extension (v2.3+), else XTN.1 (v2.3 formatted number; deprecated in v2.5, withdrawn in v2.7).",
  ),
  email: str("XTN.4 email address."),
});

export const IngestSchema = z
  .object({
    id: z.uuid().describe("Ingest id given by the edge at receipt; consumers de-duplicate by it."),
    vendor: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/)
      .describe("Vendor id the API key belongs to (also the Kafka topic segment)."),
    receivedAt: z.iso.datetime({ offset: true }).describe("When the edge received the message."),
    seq: z.number().int().nonnegative().describe("Per-vendor arrival sequence number assigned at enqueue."),
  })
  .describe("Ingest metadata; the queue job payload carries the same fields.");
export type Ingest = z.infer<typeof IngestSchema>;

export const HeaderSchema = z
  .object({
    messageType: z.string().describe("MSH-9.1 message code (`ADT`)."),
    trigger: z
      .string()
      .describe("MSH-9.2 trigger event (`A01`); EVN-1 when MSH-9.2 is empty (v2.3 senders)."),
    structure: str("MSH-9.3 message structure (`ADT_A01`), v2.3.1+; null when not sent."),
    controlId: z.string().describe("MSH-10 message control id."),
    version: str("MSH-12.1 version id (`2.5.1`)."),
    sentAt: timestamp("MSH-7 date/time of message (v2.3–2.5: TS, first component; v2.6+: DTM)."),
    sendingApplication: str("MSH-3 sending application (HD.1, else HD.2)."),
    sendingFacility: str("MSH-4 sending facility (HD.1, else HD.2)."),
    receivingApplication: str("MSH-5 receiving application (HD.1, else HD.2)."),
    receivingFacility: str("MSH-6 receiving facility (HD.1, else HD.2)."),
    processingId: str("MSH-11.1 processing id (P production, T training, D debugging)."),
  })
  .describe("Message header (MSH).");

export const EventSchema = z
  .object({
    kind: EventKindSchema.describe(
      "What happened, from the trigger (see the trigger table in docs/adt-event.md); a vendor profile may override single triggers.",
    ),
    recordedAt: timestamp("EVN-2 recorded date/time (TS in v2.3–2.5, DTM in v2.6+)."),
    occurredAt: timestamp("EVN-6 event occurred (v2.3+)."),
    reason: str("EVN-4 event reason code (HL7 table 0062)."),
    operator: ClinicianSchema.nullable().describe("EVN-5 operator id (first repetition)."),
  })
  .describe("The event (EVN and the trigger).");

export const PatientSchema = z
  .object({
    identifiers: z
      .array(IdentifierSchema)
      .describe("PID-3 patient identifier list, every non-empty repetition in order (v2.3–2.8)."),
    primaryIdentifier: IdentifierSchema.nullable().describe(
      "The identifier the vendor profile designates (by assigning authority, type or repetition); the Kafka key is `authority|id` of it.",
    ),
    name: PersonNameSchema.nullable().describe("PID-5 patient name, first repetition."),
    birthDate: CalendarDateSchema.nullable().describe(
      "PID-7 date of birth, date part only (TS in v2.3–2.5, DTM in v2.6+).",
    ),
    sex: str("PID-8 administrative sex, first component (IS in v2.3–2.8; CWE.1 in v2.9)."),
    address: AddressSchema.nullable().describe("PID-11 patient address, first repetition."),
    phones: z.array(PhoneSchema).describe("PID-13 home and PID-14 business phone repetitions."),
    language: str("PID-15.1 primary language code (CE in v2.3–2.5, CWE in v2.6+)."),
    deceased: z
      .boolean()
      .nullable()
      .describe("PID-30 patient death indicator (Y → true, N → false), v2.3+; null when not sent."),
    deathAt: timestamp("PID-29 patient death date and time, v2.3+."),
  })
  .describe("The patient (PID).");

export const VisitSchema = z
  .object({
    patientClass: str("PV1-2 patient class, first component (HL7 table 0004: I, O, E, P, R, B, N…)."),
    location: LocationSchema.nullable().describe("PV1-3 assigned patient location."),
    priorLocation: LocationSchema.nullable().describe("PV1-6 prior patient location (transfers)."),
    admissionType: str("PV1-4 admission type, first component (HL7 table 0007)."),
    hospitalService: str("PV1-10 hospital service, first component (HL7 table 0069)."),
    attendingDoctors: z.array(ClinicianSchema).describe("PV1-7 attending doctor repetitions."),
    referringDoctors: z.array(ClinicianSchema).describe("PV1-8 referring doctor repetitions."),
    visitNumber: IdentifierSchema.nullable().describe("PV1-19 visit number (CX)."),
    admittedAt: timestamp("PV1-44 admit date/time."),
    dischargedAt: timestamp("PV1-45 discharge date/time, first repetition (repeating in v2.3–2.5)."),
    dischargeDisposition: str("PV1-36 discharge disposition, first component (HL7 table 0112)."),
  })
  .describe("The visit (PV1); null when the message has no PV1.");

export const DiagnosisSchema = z.object({
  code: str("DG1-3.1 diagnosis code identifier."),
  system: str("DG1-3.3 name of coding system (I10, I9CM, SCT…)."),
  text: str("DG1-3.2 text, else DG1-4 diagnosis description (deprecated since v2.3.1)."),
  type: str("DG1-6 diagnosis type (A admitting, W working, F final); IS in v2.3–2.6, CWE.1 in v2.7+."),
});

export const MergeSourceSchema = z
  .object({
    identifiers: z.array(IdentifierSchema).describe("MRG-1 prior patient identifier list."),
    accountNumber: IdentifierSchema.nullable().describe("MRG-3 prior patient account number."),
    visitNumber: IdentifierSchema.nullable().describe("MRG-5 prior visit number."),
    name: PersonNameSchema.nullable().describe("MRG-7 prior patient name (v2.3.1+)."),
  })
  .describe("What was merged or changed (MRG), for A18, A34–A36, A39–A42, A47, A49–A51 and similar.");

export const AdtEventSchema = z
  .object({
    schema: z.literal(ADT_EVENT_SCHEMA_ID).describe("Contract version; also the Kafka header `schema`."),
    ingest: IngestSchema,
    header: HeaderSchema,
    facility: str(
      "The facility this event belongs to, from the first non-empty path of the vendor profile's `facility` list (default MSH-4.1).",
    ),
    event: EventSchema,
    patient: PatientSchema.nullable(),
    visit: VisitSchema.nullable(),
    diagnoses: z.array(DiagnosisSchema).describe("DG1 segments in order."),
    mergeSource: MergeSourceSchema.nullable(),
    extensions: z
      .record(z.string(), z.string().nullable())
      .describe(
        "Vendor-profile-defined extra fields (Z-segments, local conventions): name → text, null when the message lacks it.",
      ),
  })
  .meta({
    title: "AdtEvent v1",
    description: "One HL7 v2 ADT message normalised into a versioned, HL7-free event. See docs/adt-event.md.",
  });

export type AdtEvent = z.infer<typeof AdtEventSchema>;
