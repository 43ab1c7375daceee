/**
 * Vendor profiles: what differs between vendors, kept as data (config/vendors.json) instead
 * of code. Validated once at startup; a bad file fails fast naming the vendor and the key.
 */
import { z } from "zod";
import { VendorProfileError, type VendorProfileIssue } from "./errors.ts";
import { EventKindSchema } from "./schema.ts";
import { isValidTimeZone } from "./zone.ts";

/** Vendor ids become Kafka topic segments (`adt.<vendor>.events`), hence the narrow alphabet. */
export const VENDOR_ID_RE = /^[a-z0-9][a-z0-9-]*$/;

/** `SEG[rep]-field[rep].component.subcomponent`, as in the HL7 library's path grammar. */
const HL7_PATH_RE = /^[A-Z][A-Z0-9]{2}(\[[1-9]\d*\])?-[1-9]\d*(\[[1-9]\d*\])?(\.[1-9]\d*){0,2}$/;

const Hl7Path = z.string().regex(HL7_PATH_RE, "must be an HL7 path such as PID-3.1 or ZPV-2");

const ExtensionSpecSchema = z.union([
  Hl7Path,
  z.strictObject({
    /** Read in order; the non-empty ones are joined with `join`. */
    paths: z.array(Hl7Path).min(1),
    join: z.string().default(" "),
    /** `date`/`timestamp` convert an HL7 DTM to the ISO text of `CalendarDate`/`Timestamp.value`. */
    type: z.enum(["text", "date", "timestamp"]).default("text"),
  }),
]);

const TriggerRe = /^[A-Z0-9]{3}$/;

export const VendorProfileSchema = z.strictObject({
  /** Free text for operators. */
  description: z.string().optional(),
  /** IANA zone for timestamps without an offset. */
  timeZone: z
    .string()
    .default("UTC")
    .refine(isValidTimeZone, "must be an IANA time zone name known to Intl (e.g. America/New_York)"),
  /** Message type → accepted triggers; `"*"` accepts every trigger of that type. */
  accept: z
    .record(
      z.string().regex(/^[A-Z0-9]{3}$/, "message types are three characters such as ADT"),
      z.array(z.union([z.literal("*"), z.string().regex(TriggerRe, "triggers look like A01")])).min(1),
    )
    .default({ ADT: ["*"] }),
  /** How to pick the primary patient identifier from PID-3 (rules apply in this order). */
  primaryIdentifier: z
    .strictObject({
      /** Assigning authorities (CX.4 namespace or universal id) in order of preference. */
      authorities: z.array(z.string().min(1)).optional(),
      /** Identifier type codes (CX.5) in order of preference, e.g. ["MR"]. */
      types: z.array(z.string().min(1)).optional(),
      /** Take this PID-3 repetition (1-based) when the rules above are absent or find nothing. */
      repetition: z.number().int().positive().optional(),
      /** Authority written into the primary identifier (and so the patient key) when it carries none. */
      defaultAuthority: z.string().min(1).optional(),
      /**
       * When true, a message in which no identifier matches `authorities`/`types`/`repetition`
       * is rejected (code `required` at PID-3) instead of falling back to the first identifier,
       * so a patient's events never change partition key.
       */
      required: z.boolean().default(false),
    })
    .prefault({ types: ["MR"] }),
  /** Paths tried in order for `AdtEvent.facility`; the first non-empty wins. */
  facility: z.array(Hl7Path).min(1).default(["MSH-4.1"]),
  /** Paths that must be non-empty, on top of the built-in MSH-9/MSH-10 checks. */
  required: z.array(Hl7Path).default([]),
  /** When set, MSH-4.1 must be one of these. */
  sendingFacilities: z.array(z.string().min(1)).min(1).optional(),
  /** Name → path (or several paths joined) copied into `AdtEvent.extensions`. */
  extensions: z
    .record(z.string().regex(/^[a-z][a-z0-9_]*$/, "extension names are snake_case"), ExtensionSpecSchema)
    .default({}),
  /** Per-trigger override of the event kind (e.g. a vendor that sends A08 for admits). */
  eventKinds: z.record(z.string().regex(TriggerRe, "triggers look like A01"), EventKindSchema).default({}),
});

/** A vendor profile as written in the file (before defaults). */
export type VendorProfileInput = z.input<typeof VendorProfileSchema>;

/** A validated vendor profile with defaults applied, plus its vendor id. */
export type VendorProfile = z.output<typeof VendorProfileSchema> & { readonly vendor: string };

const FileSchema = z.strictObject({
  $schema: z.string().optional(),
  vendors: z.record(z.string(), z.unknown()),
});

/**
 * The profile used when a vendor's entry sets nothing: HL7 v2.5.1 positions, UTC, every ADT
 * trigger accepted, primary identifier the first PID-3 repetition of type MR (else the first),
 * facility from MSH-4.1.
 */
export const DEFAULT_PROFILE: VendorProfile = Object.freeze({
  ...VendorProfileSchema.parse({}),
  vendor: "default",
});

const joinKey = (path: readonly PropertyKey[]) =>
  path.length === 0 ? "(profile)" : path.map(String).join(".");

/**
 * Validates the vendor profile file's content (`{ "vendors": { "<id>": { …profile } } }`)
 * and returns the profiles by vendor id. Throws {@link VendorProfileError} listing every
 * problem with its vendor and key.
 *
 * @example
 * const profiles = parseVendorProfiles(JSON.parse(text));
 * const profile = profiles.get(job.vendor) ?? DEFAULT_PROFILE;
 */
export function parseVendorProfiles(json: unknown): ReadonlyMap<string, VendorProfile> {
  const file = FileSchema.safeParse(json);
  if (!file.success) {
    throw new VendorProfileError(
      file.error.issues.map((i) => ({ vendor: "(file)", key: joinKey(i.path), reason: i.message })),
      { cause: file.error },
    );
  }
  const issues: VendorProfileIssue[] = [];
  const profiles = new Map<string, VendorProfile>();
  for (const [vendor, body] of Object.entries(file.data.vendors)) {
    if (!VENDOR_ID_RE.test(vendor)) {
      issues.push({ vendor, key: "(vendor id)", reason: "vendor ids are lowercase [a-z0-9][a-z0-9-]*" });
      continue;
    }
    const parsed = VendorProfileSchema.safeParse(body);
    if (!parsed.success) {
      for (const i of parsed.error.issues) issues.push({ vendor, key: joinKey(i.path), reason: i.message });
      continue;
    }
    profiles.set(vendor, Object.freeze({ ...parsed.data, vendor }));
  }
  if (issues.length > 0) throw new VendorProfileError(issues);
  return profiles;
}

/**
 * Whether a vendor profile accepts a message type/trigger pair. The edge uses it for its
 * structural check (answering AR at once), the workers through `toAdtEvent`.
 *
 * @example
 * isAccepted(DEFAULT_PROFILE, "ADT", "A01"); // true
 * isAccepted(DEFAULT_PROFILE, "ORU", "R01"); // false
 */
export function isAccepted(profile: VendorProfile, messageType: string, trigger: string): boolean {
  const triggers = profile.accept[messageType];
  return triggers !== undefined && (triggers.includes("*") || triggers.includes(trigger));
}
