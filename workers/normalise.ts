import {
  type AdtEvent,
  DEFAULT_PROFILE,
  patientKey,
  toAdtEvent,
  type VendorProfile,
} from "../shared/adt/index.ts";
import { Hl7ParseError, parseMessage } from "../shared/hl7/index.ts";
import type { IngestJob } from "../shared/queue/job.ts";
import { PermanentJobError } from "./errors.ts";

export interface Normalised {
  event: AdtEvent;
  /** Kafka key: `authority|id` of the primary patient identifier, else the control id. */
  key: string;
}

/** `PID-7`-style position of a parse error, from the segment name/index and field it names. */
function parseErrorPath(err: Hl7ParseError): string {
  const seg = err.segmentName ?? (err.segmentIndex !== undefined ? `segment ${err.segmentIndex}` : "");
  if (!seg) return "";
  return err.field !== undefined ? `${seg}-${err.field}` : seg;
}

/**
 * Full parse (shared/hl7) and normalisation (shared/adt) of one job. Throws PermanentJobError
 * (stage `parse` or `normalise`) with every problem as `{ code, path, reason }`; anything else
 * thrown is a bug, which the processor treats as retryable rather than dead-lettering good data.
 *
 * @example
 * const { event, key } = normalise(job, profiles.get(job.vendor));
 */
export function normalise(job: IngestJob, profile: VendorProfile | undefined): Normalised {
  let message: ReturnType<typeof parseMessage>;
  try {
    message = parseMessage(job.raw);
  } catch (err) {
    if (!(err instanceof Hl7ParseError)) throw err;
    throw new PermanentJobError(
      "parse",
      [{ code: `hl7:${err.code}`, path: parseErrorPath(err), reason: err.reason }],
      { cause: err },
    );
  }
  const result = toAdtEvent(message, profile ?? DEFAULT_PROFILE, {
    id: job.id,
    vendor: job.vendor,
    receivedAt: job.receivedAt,
    seq: job.seq,
  });
  if (!result.ok) {
    throw new PermanentJobError(
      "normalise",
      result.error.issues.map((i) => ({ code: `adt:${i.code}`, path: i.path, reason: i.reason })),
      { cause: result.error },
    );
  }
  return { event: result.event, key: patientKey(result.event) };
}
