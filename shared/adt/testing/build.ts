/**
 * Test helpers: HL7 v2 ADT messages written the way each HL7 version encodes the same facts,
 * so tests can check that the mapping yields the same event from all of them.
 */

export const VERSIONS = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8"] as const;
export type Version = (typeof VERSIONS)[number];

export interface BuildOptions {
  version?: Version;
  trigger?: string;
  controlId?: string;
  /** Extra segments appended as written (e.g. MRG, ZPV). */
  extra?: string[];
  /** Replace whole segments by name (first occurrence), e.g. { PID: "PID|1||..." }. */
  replace?: Record<string, string>;
  /** Drop segments by name. */
  drop?: string[];
  sendingFacility?: string;
}

const minor = (v: Version) => Number(v.split(".")[1]);

/** A segment from field positions (1-based), so fixtures cannot miscount pipes. */
export function seg(name: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const out: string[] = [name];
  for (let i = 1; i <= last; i++) out.push(fields[i] ?? "");
  return out.join("|");
}

/** Segments for one message. Times are naive, so the profile's zone applies. */
export function segmentsFor(o: BuildOptions = {}): string[] {
  const v = o.version ?? "2.5.1";
  const trigger = o.trigger ?? "A01";
  const n = minor(v);
  const ts = (t: string) => (n <= 5 && v !== "2.5.1" ? `${t}^S` : t); // TS.2 degree of precision (≤2.5)
  const structure = v === "2.3" ? "" : `^ADT_${trigger === "A04" || trigger === "A08" ? "A01" : trigger}`;
  const family = n >= 4 ? "Doe&van" : "Doe";
  const street = n >= 4 ? "1 Main St&Main St&1" : "1 Main St";
  // Home phone: v2.3 formatted number (XTN.1); v2.5 split fields; v2.6+ also unformatted (XTN.12).
  const homePhone =
    n === 3
      ? "(617)555-1234^PRN^PH"
      : n >= 6
        ? "^PRN^PH^^1^617^5551234^^^^^+16175551234"
        : "^PRN^PH^^1^617^5551234";
  const pointOfCare = n >= 7 ? "4W&1.2.840.1&ISO" : "4W";
  const dxType = n >= 7 ? "A^Admitting^HL70052" : "A";
  const segs = [
    `MSH|^~\\&|ADT1^1.2.3.4^ISO|${o.sendingFacility ?? "GOOD HEALTH"}|RECV|RFAC|${ts("20240702083000")}||ADT^${trigger}${structure}|${o.controlId ?? "MSG00001"}|P|${v}`,
    `EVN|${trigger}|${ts("20240702082900")}||ADM^Admitted|OP7^Nurse^Nina|${ts("20240702081500")}`,
    seg("PID", {
      1: "1",
      2: "OLD-1",
      3: "MRN123^^^HOSP^MR~999-00-1111^^^SSA^SS",
      5: `${family}^John^Quincy^Jr^Dr^^L`,
      7: ts("19800229"),
      8: "M",
      11: `${street}^Apt 2^Boston^MA^02101^USA^H`,
      13: homePhone,
      14: "^WPN^PH^^^617^5550000^12",
      15: "en^English",
      18: "ACC-1^^^HOSP^AN",
      30: "N",
    }),
    seg("PV1", {
      1: "1",
      2: "I",
      3: `${pointOfCare}^401^A^HOSP-EAST`,
      4: "E",
      7: "1234^Welby^Marcus^^^Dr^^^NPI~2345^Kildare^James",
      10: "MED",
      19: "V789^^^HOSP^VN",
      36: trigger === "A03" ? "01" : "",
      44: ts("20240702081500"),
      45: trigger === "A03" ? ts("20240705120000") : "",
    }),
    `DG1|1||R07.4^Chest pain^I10||Chest pain, unspecified|${dxType}`,
  ];
  const replaced = segs.map((s) => {
    const name = s.slice(0, 3);
    return o.replace?.[name] ?? s;
  });
  return [...replaced.filter((s) => !o.drop?.includes(s.slice(0, 3))), ...(o.extra ?? [])];
}

/** One ER7 message with `\r` segment terminators. */
export function buildMessage(o: BuildOptions = {}): string {
  return segmentsFor(o).join("\r");
}

/** Ingest metadata for tests. */
export function ingestFor(vendor: string, seq = 1) {
  return { id: "0f8fad5b-d9cb-469f-a165-70867728950e", vendor, receivedAt: "2024-07-02T08:30:01.000Z", seq };
}
