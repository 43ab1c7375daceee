/**
 * The example messages shown in docs/adt-event.md. The doc's JSON is generated from these by
 * `npm run docs:generate`, and docs.test.ts fails when the doc and the code disagree.
 * All names, numbers and addresses are invented.
 */
import type { Ingest } from "./schema.ts";

export interface DocExample {
  /** Marker name in the doc: `<!-- generated:example:<name>:start -->`. */
  readonly name: string;
  /** Vendor whose profile (config/vendors.json) maps the message. */
  readonly vendor: string;
  readonly segments: readonly string[];
  readonly ingest: Ingest;
}

/** A segment from 1-based field positions, so examples cannot miscount pipes. */
function seg(name: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const out: string[] = [name];
  for (let i = 1; i <= last; i++) out.push(fields[i] ?? "");
  return out.join("|");
}

const ingest = (vendor: string, seq: number): Ingest => ({
  id: "3b241101-e2bb-4255-8caf-4136c566a962",
  vendor,
  receivedAt: "2024-11-03T06:31:02.417Z",
  seq,
});

export const DOC_EXAMPLES: readonly DocExample[] = [
  {
    name: "a01-demo",
    vendor: "demo",
    ingest: ingest("demo", 1042),
    segments: [
      "MSH|^~\\&|EPICADT|GOODHEALTH|LAKEHOUSE|ADTSTREAM|20241103013000||ADT^A01^ADT_A01|MSG-000123|P|2.5.1",
      seg("EVN", { 2: "20241103012955", 4: "ADM", 5: "U123^Rivera^Ana", 6: "20241103012000" }),
      seg("PID", {
        1: "1",
        3: "MRN-1001^^^GH^MR~123-45-6789^^^SSA^SS",
        5: "Example&van^Pat^Q^^^^L",
        7: "19700412",
        8: "F",
        11: "12 Elm St^Unit 3^Springfield^IL^62701^USA^H",
        13: "^PRN^PH^^1^217^5550101",
        14: "^WPN^PH^^1^217^5550199^42",
        15: "en^English",
        18: "ACCT-77^^^GH^AN",
        30: "N",
      }),
      seg("PV1", {
        1: "1",
        2: "I",
        3: "4W^401^A^GH-MAIN",
        4: "E",
        7: "D100^Welby^Marcus^^^Dr^^^NPI",
        8: "D200^Casey^Ben",
        10: "MED",
        19: "V-555^^^GH^VN",
        44: "20241103012000",
      }),
      seg("DG1", { 1: "1", 3: "R07.4^Chest pain, unspecified^I10", 6: "A" }),
    ],
  },
  {
    name: "a02-st-mary",
    vendor: "st-mary",
    ingest: ingest("st-mary", 88),
    segments: [
      "MSH|^~\\&|MEDITECH|STM-MAIN|LAKEHOUSE|ADTSTREAM|20240310023000^S||ADT^A02|20240310-0007|P|2.3",
      seg("EVN", { 1: "A02", 2: "20240310023000^S", 5: "NURSE1" }),
      seg("PID", { 1: "1", 3: "900122^^^OTHER^MR~S-4471^^^STM^PI", 5: "Sample^Alex", 7: "1985", 8: "U" }),
      seg("PV1", {
        1: "1",
        2: "I",
        3: "5E^512^B^STM-NORTH",
        6: "4W^401^A^STM-MAIN",
        7: "D300^Kildare^James",
      }),
      "ZPV|1|W5|N|20240312",
    ],
  },
  {
    name: "a40-merge",
    vendor: "demo",
    ingest: ingest("demo", 1043),
    segments: [
      "MSH|^~\\&#|EPICADT|GOODHEALTH|LAKEHOUSE|ADTSTREAM|20241103015959.25-0500||ADT^A40^ADT_A39|MSG-000124|P|2.7",
      "EVN||20241103015959.25-0500",
      seg("PID", { 1: "1", 3: "MRN-1001^^^GH^MR", 5: "Example^Pat" }),
      seg("MRG", { 1: "MRN-0999^^^GH^MR", 3: "ACCT-12^^^GH^AN", 7: "Exampel^Pat" }),
    ],
  },
  {
    name: "a04-acme-hie",
    vendor: "acme-hie",
    ingest: ingest("acme-hie", 7),
    segments: [
      "MSH|^~\\&|MERCY_GENERAL|MERCY|LAKEHOUSE|ADTSTREAM|202407020830||ADT^A04^ADT_A01|ACME-1|P|2.3.1",
      "EVN|A04|202407020830",
      seg("PID", { 1: "1", 3: "A-77^^^ACME^MR", 5: "Person^Jordan", 7: "19921130", 8: "X" }),
      "PV1|1|O|CLINIC2",
    ],
  },
  {
    name: "error",
    vendor: "st-mary",
    ingest: ingest("st-mary", 89),
    segments: [
      "MSH|^~\\&|MEDITECH|ELSEWHERE|LAKEHOUSE|ADTSTREAM|20241301||ADT^A40^ADT_A39|20240310-0008|P|2.5.1",
      "EVN||20240310023000",
      seg("PID", { 1: "1", 3: "S-4471^^^STM^PI", 5: "Sample^Alex", 7: "19850230" }),
      "PV1|1||5E^512^B",
    ],
  },
];
