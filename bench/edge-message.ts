/**
 * The message every edge benchmark sends (bench/edge.ts, bench/edge-deno.ts): a typical
 * ~550 B ADT^A01 with invented data, a fresh MSH-10 per call so each request is a real enqueue
 * (no de-duplication shortcut), identical elsewhere so the runtimes' rows compare.
 */
const TEMPLATE = [
  "MSH|^~\\&|EPIC|GENERAL HOSP|ADT-STREAM|HUB|20240101120000||ADT^A01^ADT_A01|CTRL|P|2.5.1",
  "EVN|A01|20240101120000",
  "PID|1||PATID12345^^^HOSP^MR~998877^^^SSA^SS||ZZTEST^JANE^Q||19800101|F|||1 MAIN ST^^SPRINGFIELD^IL^62701^USA||(217)555-0100|||M||ACCT001",
  "NK1|1|ZZTEST^JOHN|SPO|1 MAIN ST^^SPRINGFIELD^IL^62701^USA|(217)555-0101",
  "PV1|1|I|WARD1^101^A^GENERAL HOSP||||1234^WELBY^MARCUS^^^DR|||MED||||7|||1234^WELBY^MARCUS^^^DR|IN||||||||||||||||||||||||||20240101120000",
  "PV2|||CHEST PAIN",
  "DG1|1||R07.9^CHEST PAIN, UNSPECIFIED^I10|||A",
  "AL1|1|DA|PCN^PENICILLIN|MO|RASH",
].join("\r");

/** Size in bytes of one message (ASCII), for the benchmark's header line. */
export const BENCH_MESSAGE_BYTES = TEMPLATE.length;

let counter = 0;

/**
 * The next message, with MSH-10 `B<pid>-<n>`.
 *
 * @example
 * autocannon({ requests: [{ method: "POST", setupRequest: (r) => ({ ...r, body: nextBenchMessage() }) }] });
 */
export function nextBenchMessage(): string {
  counter += 1;
  return TEMPLATE.replace("|CTRL|", `|B${process.pid}-${counter}|`);
}
