/**
 * Synthetic ADT jobs for tests and benchmarks: made-up patients, shaped like real feeds
 * (MSH/EVN/PID/PV1, several PID-3 identifiers, Z-segment), in the edge's job payload format.
 */
import { randomUUID } from "node:crypto";
import type { IngestJob } from "../../shared/queue/job.ts";

const TRIGGERS = ["A01", "A02", "A03", "A04", "A08"] as const;
const FAMILY = ["SMITH", "NGUYEN", "GARCIA", "OKAFOR", "MÜLLER", "O'BRIEN", "JOHNSON", "KOWALSKI"];
const GIVEN = ["ANNA", "JOSÉ", "WEI", "FATIMA", "JOHN", "MARY", "LUCA", "AMARA"];

/** One ADT message; `patient` picks the identifier (same patient → same key). */
export function adtMessage(opts: {
  controlId: string;
  patient: number;
  trigger?: string;
  facility?: string;
}): string {
  const t = opts.trigger ?? TRIGGERS[opts.patient % TRIGGERS.length];
  const family = FAMILY[opts.patient % FAMILY.length];
  const given = GIVEN[(opts.patient >> 3) % GIVEN.length];
  const mrn = String(100000 + opts.patient);
  const fac = opts.facility ?? "GENHOSP";
  return [
    `MSH|^~\\&|EPICADT|${fac}|ADTSTREAM|DATALAKE|20240315083000||ADT^${t}^ADT_A01|${opts.controlId}|P|2.5.1|||AL|NE`,
    `EVN|${t}|20240315083000|||OP123^ADAMS^ALICE`,
    `PID|1||${mrn}^^^${fac}^MR~9${mrn}^^^SSA^SS||${family}^${given}^Q^^^^L||19800214|F|||12 MAIN ST^^SPRINGFIELD^IL^62701^USA||^PRN^PH^^1^217^5551234|||M||ACCT${mrn}`,
    `PV1|1|I|4WEST^412^1^${fac}||||1234^CARE^DOC^^^^MD|||MED||||ADM|||||V${mrn}|||||||||||||||||||||||||20240315080000`,
    "ZPV|W4|N|20240320",
  ].join("\r");
}

/**
 * A job as the edge enqueues it (`IngestJobSchema` v1).
 *
 * @example
 * await queue.add(INGEST_JOB_NAME, adtJob("demo", 1), { ...INGEST_JOB_OPTIONS, jobId: job.id });
 */
export function adtJob(
  vendor: string,
  seq: number,
  opts: { patient?: number; raw?: string } = {},
): IngestJob {
  const controlId = `MSG${String(seq).padStart(8, "0")}`;
  const raw = opts.raw ?? adtMessage({ controlId, patient: opts.patient ?? seq % 997 });
  const type = /\|ADT\^(A\d\d)/.exec(raw)?.[1] ?? "A01";
  return {
    v: 1,
    id: randomUUID(),
    vendor,
    receivedAt: new Date().toISOString(),
    seq,
    controlId,
    messageType: `ADT^${type}`,
    raw,
  };
}
