/**
 * shared/adt: the `AdtEvent` v1 contract, vendor profiles and the HL7 → AdtEvent mapping.
 * Runtime-neutral (Node, Deno, workerd); the Node-only file loader is `./profile-file.ts`.
 */
export {
  type CalendarDate,
  type DatePrecision,
  parseCalendarDate,
  parseTimestamp,
  type Timestamp,
  type TimestampPrecision,
} from "./dtm.ts";
export {
  type AdtIssue,
  AdtIssueCode,
  AdtMappingError,
  VendorProfileError,
  type VendorProfileIssue,
} from "./errors.ts";
export { ADT_EVENT_JSON_SCHEMA_ID, adtEventJsonSchema, adtEventJsonSchemaText } from "./json-schema.ts";
export { KIND_BY_TRIGGER } from "./kinds.ts";
export { type AdtResult, patientKey, toAdtEvent } from "./map.ts";
export {
  DEFAULT_PROFILE,
  isAccepted,
  parseVendorProfiles,
  VENDOR_ID_RE,
  type VendorProfile,
  type VendorProfileInput,
  VendorProfileSchema,
} from "./profile.ts";
export type { MessageReader, SegmentReader } from "./reader.ts";
export {
  ADT_EVENT_SCHEMA_ID,
  type AdtEvent,
  AdtEventSchema,
  EVENT_KINDS,
  type EventKind,
  type Ingest,
  IngestSchema,
} from "./schema.ts";
