/**
 * Typed errors of the ADT normaliser. Every message names positions (HL7 paths such as
 * `PID-7`, event paths such as `ingest.id`) and reasons only: field values never appear, since
 * they may be PHI and these errors end up in logs and dead-letter records.
 */

/** Stable, machine-readable problem codes. Consumers branch on these; never rename one. */
export const AdtIssueCode = {
  /** A field the mapping or the vendor profile requires is empty or absent. */
  REQUIRED: "required",
  /** A segment the message kind requires (MRG for merges) is absent. */
  MISSING_SEGMENT: "missing_segment",
  /** A timestamp (DTM/TS) does not follow `YYYY[MM[DD[HH[MM[SS[.S{1,4}]]]]]][+/-ZZZZ]` or names an impossible time. */
  INVALID_TIMESTAMP: "invalid_timestamp",
  /** A date (birth date) is malformed or impossible (month 13, 30 February). */
  INVALID_DATE: "invalid_date",
  /** A coded value is outside the table the mapping understands (death indicator not Y/N). */
  INVALID_VALUE: "invalid_value",
  /** The message type / trigger pair is not accepted by the vendor profile. */
  NOT_ACCEPTED: "not_accepted",
  /** MSH-4 is not among the sending facilities the vendor profile allows. */
  FACILITY_NOT_ALLOWED: "facility_not_allowed",
  /** The ingest metadata handed to the mapper is malformed (a wiring bug, not vendor input). */
  INVALID_INGEST: "invalid_ingest",
} as const;

export type AdtIssueCode = (typeof AdtIssueCode)[keyof typeof AdtIssueCode];

/** One problem found while mapping. `reason` is fixed text: it never quotes the value. */
export interface AdtIssue {
  /** HL7 path (`PID-7`, `PV1-44`) or, for ingest metadata, the event path (`ingest.id`). */
  readonly path: string;
  readonly code: AdtIssueCode;
  readonly reason: string;
}

/**
 * Everything wrong with one message, so a vendor fixes all of it at once instead of one
 * problem per round trip. Not retryable: the same input always fails the same way.
 *
 * @example
 * const result = toAdtEvent(message, profile, ingest);
 * if (!result.ok) log.warn("adt_mapping_failed", { issues: result.error.issues.map((i) => `${i.path} ${i.code}`) });
 */
export class AdtMappingError extends Error {
  override readonly name = "AdtMappingError";
  readonly retryable = false;
  readonly issues: readonly AdtIssue[];

  constructor(issues: readonly AdtIssue[], options?: { cause?: unknown }) {
    super(
      `ADT message could not be normalised (${issues.length} problem${issues.length === 1 ? "" : "s"}): ${issues
        .map((i) => `${i.path} ${i.code}: ${i.reason}`)
        .join("; ")}`,
      options,
    );
    this.issues = issues;
  }
}

/** One problem in a vendor profile file. Profiles are configuration, not PHI: keys may be quoted. */
export interface VendorProfileIssue {
  /** Vendor id as written in the file (`(file)` for problems above the vendor level). */
  readonly vendor: string;
  /** Dotted key inside that vendor's profile, e.g. `timeZone` or `primaryIdentifier.authorities.0`. */
  readonly key: string;
  readonly reason: string;
}

/**
 * Thrown at startup when the vendor profile configuration is invalid. The message names each
 * vendor and key so an operator can fix the file without reading code.
 *
 * @example
 * try { parseVendorProfiles(json); } catch (e) { if (e instanceof VendorProfileError) console.error(e.message); }
 */
export class VendorProfileError extends Error {
  override readonly name = "VendorProfileError";
  readonly issues: readonly VendorProfileIssue[];
  /** The first problem's vendor and key, for callers that only report one. */
  readonly vendor: string;
  readonly key: string;

  constructor(issues: readonly VendorProfileIssue[], options?: { cause?: unknown }) {
    super(
      `invalid vendor profiles: ${issues.map((i) => `vendor "${i.vendor}", key "${i.key}": ${i.reason}`).join("; ")}`,
      options,
    );
    this.issues = issues;
    this.vendor = issues[0]?.vendor ?? "(file)";
    this.key = issues[0]?.key ?? "";
  }
}
