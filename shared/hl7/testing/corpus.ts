/**
 * Deterministic generator of realistic HL7 v2 ADT messages (synthetic data only, no real
 * patients). Used by the HL7 tests and benchmark, and reusable by load tests.
 *
 * @example
 * import { generateAdtCorpus } from "../shared/hl7/testing/corpus.ts";
 * const messages = generateAdtCorpus({ count: 1000, seed: 42 }); // string[], `\r` terminated
 */

/** Small, fast, seedable PRNG (mulberry32): the same seed gives the same corpus everywhere. */
export function createRng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface CorpusOptions {
  /** Number of messages (default 1000). */
  count?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Fraction of messages whose names/addresses carry escape sequences (default 0.1). */
  escapeRate?: number;
  /** Fraction of messages with an embedded base64 document in an OBX (default 0). */
  documentRate?: number;
  /** Size of embedded documents in bytes before base64 (default 64 KiB). */
  documentBytes?: number;
  /** Terminator between segments (default `\r`). */
  terminator?: string;
}

const FAMILY = [
  "Smith",
  "Johnson",
  "Williams",
  "Brown",
  "Jones",
  "Garcia",
  "Miller",
  "Davis",
  "Müller",
  "O'Brien",
  "Nguyen",
  "Kowalski",
  "Haddad",
  "Søndergaard",
  "Dubois",
  "Rossi",
];
const GIVEN = [
  "James",
  "Mary",
  "Robert",
  "Patricia",
  "John",
  "Jennifer",
  "Michael",
  "Linda",
  "José",
  "Zoë",
  "Ahmed",
  "Mei",
  "Olga",
  "Pierre",
  "Anna",
  "Liam",
];
const STREETS = [
  "Main St",
  "Oak Ave",
  "Pine Rd",
  "Maple Dr",
  "Cedar Ln",
  "Elm St",
  "Hospital Way",
  "Rue de la Paix",
];
const CITIES: [string, string, string][] = [
  ["Springfield", "IL", "62701"],
  ["Madison", "WI", "53703"],
  ["Portland", "OR", "97201"],
  ["Austin", "TX", "73301"],
  ["Boston", "MA", "02110"],
];
const EVENTS: [string, string][] = [
  ["A01", "ADT_A01"],
  ["A02", "ADT_A02"],
  ["A03", "ADT_A03"],
  ["A04", "ADT_A01"],
  ["A05", "ADT_A05"],
  ["A08", "ADT_A01"],
  ["A11", "ADT_A09"],
  ["A13", "ADT_A01"],
  ["A28", "ADT_A05"],
  ["A31", "ADT_A05"],
];
const VENDORS = [
  ["EPICADT", "MAIN_HOSP"],
  ["CERNER", "ST_MARY"],
  ["MEDITECH", "COUNTY_GEN"],
  ["ALLSCRIPTS", "NORTH_CLINIC"],
];
const WARDS = ["4W", "5E", "ICU", "ER", "L&D", "PEDS", "ONC"];
const DIAG = [
  ["I10", "Essential hypertension"],
  ["E11.9", "Type 2 diabetes mellitus"],
  ["J18.9", "Pneumonia, unspecified"],
  ["N39.0", "Urinary tract infection"],
  ["R07.9", "Chest pain, unspecified"],
];
const ALLERGENS = [
  ["PCN", "Penicillin"],
  ["SULFA", "Sulfa drugs"],
  ["LATEX", "Latex"],
  ["PEANUT", "Peanuts"],
];
const VERSIONS = ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6"];

/** Generates `count` ADT messages deterministically. */
export function generateAdtCorpus(options: CorpusOptions = {}): string[] {
  const rng = createRng(options.seed ?? 1);
  const out: string[] = [];
  for (let i = 0; i < (options.count ?? 1000); i++) out.push(generateAdtMessage(rng, i, options));
  return out;
}

/** One ADT message from `rng`; `n` makes control ids unique within a corpus. */
export function generateAdtMessage(rng: () => number, n: number, options: CorpusOptions = {}): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const int = (lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
  const digits = (k: number): string => {
    let s = "";
    for (let i = 0; i < k; i++) s += String(int(0, 9));
    return s;
  };
  const ts = (year: number): string =>
    `${year}${pad(int(1, 12))}${pad(int(1, 28))}${pad(int(0, 23))}${pad(int(0, 59))}${pad(int(0, 59))}`;
  const escapes = rng() < (options.escapeRate ?? 0.1);
  // With escapes on, some text carries delimiters that must be escaped (and decoded on read).
  const text = (s: string): string => (escapes && rng() < 0.5 ? `${s} \\T\\ Co` : s);

  const [event, structure] = pick(EVENTS);
  const [app, fac] = pick(VENDORS) as [string, string];
  const version = pick(VERSIONS);
  const family = pick(FAMILY);
  const given = pick(GIVEN);
  const [city, state, zip] = pick(CITIES);
  const mrn = digits(8);
  const visit = digits(10);
  const now = ts(2024);
  const segs: string[] = [];
  segs.push(
    `MSH|^~\\&|${app}|${fac}|ADT_STREAM|DATALAKE|${now}||ADT^${event}^${structure}|MSG${String(n).padStart(8, "0")}${digits(4)}|P|${version}|||AL|NE||UNICODE UTF-8`,
  );
  segs.push(`EVN|${event}|${now}|||${digits(5)}^${pick(FAMILY)}^${pick(GIVEN)}^^^^^^^^^^^^^^^^^^EMP`);
  const ids = [`${mrn}^^^${fac}^MR`];
  if (rng() < 0.7) ids.push(`${digits(3)}-${digits(2)}-${digits(4)}^^^SSA^SS`);
  if (rng() < 0.3) ids.push(`${digits(9)}^^^MEDICAID^MA`);
  const sex = pick(["M", "F", "U", "O"]);
  segs.push(
    [
      "PID",
      "1",
      "",
      ids.join("~"),
      "",
      `${text(family)}^${given}^${pick(["A", "B", "J", "", "Q"])}^^${pick(["", "Mr", "Ms", "Dr"])}^^L`,
      `${pick(FAMILY)}^^^^^^M`,
      `${int(1930, 2023)}${pad(int(1, 12))}${pad(int(1, 28))}`,
      sex,
      "",
      `${pick(["2106-3", "2054-5", "2028-9"])}^${pick(["White", "Black or African American", "Asian"])}^CDCREC`,
      `${int(1, 9999)} ${text(pick(STREETS))}^${rng() < 0.3 ? `Apt ${int(1, 40)}` : ""}^${city}^${state}^${zip}^USA^H`,
      "",
      `^PRN^PH^^1^${int(200, 999)}^${digits(7)}${rng() < 0.4 ? `~^NET^Internet^${given.toLowerCase()}@example.org` : ""}`,
      `^WPN^PH^^1^${int(200, 999)}^${digits(7)}`,
      `${pick(["en", "es", "fr", "de"])}^${pick(["English", "Spanish", "French", "German"])}^ISO639`,
      pick(["S", "M", "D", "W", ""]),
      "",
      `${visit}^^^${fac}^AN`,
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      // PID-29 patient death date and time, PID-30 patient death indicator.
      rng() < 0.05 ? ts(2024) : "",
      rng() < 0.05 ? "Y" : "N",
    ].join("|"),
  );
  if (rng() < 0.5)
    segs.push(
      `PD1|||${text(fac)} Primary Care^^${digits(4)}|${digits(7)}^${pick(FAMILY)}^${pick(GIVEN)}^^^Dr^^^NPI`,
    );
  for (let k = 1, nk = int(0, 2); k <= nk; k++) {
    segs.push(
      `NK1|${k}|${pick(FAMILY)}^${pick(GIVEN)}|${pick(["SPO^Spouse", "CHD^Child", "PAR^Parent", "FND^Friend"])}^HL70063|${int(1, 9999)} ${pick(STREETS)}^^${city}^${state}^${zip}|^PRN^PH^^1^${int(200, 999)}^${digits(7)}||EC^Emergency Contact^HL70131`,
    );
  }
  const ward = pick(WARDS);
  const cls = pick(["I", "O", "E", "P"]);
  const doctor = `${digits(7)}^${pick(FAMILY)}^${pick(GIVEN)}^^^Dr^^^NPI^L^^^NPI`;
  segs.push(
    [
      "PV1",
      "1",
      cls,
      `${escapes ? ward.replace("&", "\\T\\") : ward.replace("&", "")}^${int(100, 599)}^${pick(["A", "B", "1", "2"])}^${fac}^^^^^${ward === "ICU" ? "Intensive Care" : "Ward"}`,
      pick(["E", "U", "R", "C", ""]),
      "",
      rng() < 0.2 ? `${pick(WARDS).replace("&", "")}^${int(100, 599)}^A^${fac}` : "",
      doctor,
      rng() < 0.5 ? doctor : "",
      "",
      pick(["MED", "SUR", "CAR", "ONC", "PED"]),
      "",
      "",
      "",
      pick(["1", "7", ""]),
      "",
      "",
      doctor,
      cls === "I" ? "IP" : "OP",
      `${visit}^^^${fac}^VN`,
      pick(["SP", "CO", "MC", "MA"]),
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      event === "A03" ? pick(["01", "02", "07", "20"]) : "",
      "",
      "",
      "",
      fac,
      "",
      "",
      "",
      "",
      now,
      event === "A03" ? ts(2024) : "",
    ].join("|"),
  );
  if (rng() < 0.5) segs.push(`PV2|||${pick(DIAG)[1]}^^I10||||||${ts(2024)}|${int(1, 10)}`);
  const documentRate = options.documentRate ?? 0;
  for (let k = 1, no = int(0, 3); k <= no; k++) {
    segs.push(
      `OBX|${k}|NM|${pick(["8302-2^Body height^LN", "29463-7^Body weight^LN", "8867-4^Heart rate^LN"])}||${int(40, 200)}|${pick(["cm^^UCUM", "kg^^UCUM", "/min^^UCUM"])}|||||F|||${now}`,
    );
  }
  if (documentRate > 0 && rng() < documentRate) {
    segs.push(
      `OBX|99|ED|18842-5^Discharge summary^LN||^TEXT^PDF^Base64^${base64(rng, options.documentBytes ?? 64 * 1024)}||||||F`,
    );
  }
  for (let k = 1, na = int(0, 2); k <= na; k++) {
    const [code, name] = pick(ALLERGENS) as [string, string];
    segs.push(
      `AL1|${k}|DA|${code}^${name}^L|${pick(["SV", "MO", "MI"])}|${pick(["Rash", "Hives", "Anaphylaxis"])}`,
    );
  }
  for (let k = 1, nd = int(0, 2); k <= nd; k++) {
    const [code, name] = pick(DIAG) as [string, string];
    segs.push(`DG1|${k}|I10|${code}^${name}^I10|${name}|${ts(2024)}|${pick(["A", "W", "F"])}`);
  }
  if (rng() < 0.6) {
    segs.push(
      `IN1|1|${pick(["BCBS", "AETNA", "MEDICARE"])}^${pick(["Blue Cross", "Aetna", "Medicare"])}|${digits(6)}|${text(pick(["Blue Cross Blue Shield", "Aetna Health", "CMS"]))}|PO Box ${int(100, 9999)}^^${city}^${state}^${zip}||||GRP${digits(5)}|||||||${family}^${given}|SEL^Self^HL70063|||||||||||||||||||${digits(9)}`,
    );
  }
  if (rng() < 0.3) segs.push(`ZPI|1|${pick(["VIP", "CONF", ""])}|${digits(6)}|""`);
  const terminator = options.terminator ?? "\r";
  return segs.join(terminator) + terminator;
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function base64(rng: () => number, bytes: number): string {
  const chars = Math.ceil(bytes / 3) * 4;
  const parts: string[] = [];
  for (let i = 0; i < chars; i++) parts.push(B64.charAt(Math.floor(rng() * 64)));
  return parts.join("");
}
