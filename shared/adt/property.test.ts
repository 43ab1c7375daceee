/**
 * Property test: generated ADT messages (random versions, triggers, delimiters, escapes,
 * timestamps of every precision, missing and malformed fields, all vendor profiles) either map
 * to an event that validates against the zod schema AND the committed JSON Schema (Ajv 2020),
 * or fail with issues that quote none of the message's values.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import Ajv2020 from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { escapeHl7, type Hl7Delimiters, parseMessage } from "../hl7/index.ts";
import { patientKey, toAdtEvent } from "./map.ts";
import { DEFAULT_PROFILE, type VendorProfile } from "./profile.ts";
import { loadVendorProfiles } from "./profile-file.ts";
import { AdtEventSchema } from "./schema.ts";
import { VERSIONS } from "./testing/build.ts";

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
const validateJson = ajv.compile(
  JSON.parse(readFileSync(resolve(import.meta.dirname, "adt-event.v1.schema.json"), "utf8")) as object,
);
const vendors = loadVendorProfiles(resolve(import.meta.dirname, "../../config/vendors.json"));
const profiles: VendorProfile[] = [DEFAULT_PROFILE, ...vendors.values()];

const TRIGGERS = ["A01", "A02", "A03", "A04", "A05", "A06", "A07", "A08", "A11", "A12", "A13", "A17", "A20"];
const MERGES = ["A18", "A28", "A31", "A34", "A35", "A40", "A47"];

const delimiters: fc.Arbitrary<Hl7Delimiters> = fc.oneof(
  fc.constant({ field: "|", component: "^", repetition: "~", escape: "\\", subcomponent: "&" }),
  fc
    .shuffledSubarray(["|", "^", "~", "\\", "&", "!", "@", "#", "$", "%", "*"], {
      minLength: 5,
      maxLength: 5,
    })
    .map(([field, component, repetition, esc, subcomponent]) => ({
      field: field!,
      component: component!,
      repetition: repetition!,
      escape: esc!,
      subcomponent: subcomponent!,
    })),
);

/** Values are tagged "Ph…" so the PHI check can look for them without false hits. */
const phi = fc
  .string({ unit: fc.constantFrom(..."abcXYZ019 '-|^~\\&!@#$%*"), minLength: 4, maxLength: 12 })
  .map((s) => `Ph${s}Q`);
const code = fc.constantFrom("I", "O", "E", "MED", "SUR", "01", "Y", "N", "en");
const two = (n: number) => String(n).padStart(2, "0");

const dtm = fc
  .record({
    y: fc.integer({ min: 1900, max: 2100 }),
    mo: fc.integer({ min: 1, max: 12 }),
    d: fc.integer({ min: 1, max: 31 }),
    h: fc.integer({ min: 0, max: 23 }),
    mi: fc.integer({ min: 0, max: 59 }),
    s: fc.integer({ min: 0, max: 59 }),
    frac: fc.stringMatching(/^\d{1,4}$/),
    precision: fc.integer({ min: 1, max: 7 }),
    offset: fc.option(fc.integer({ min: -720, max: 840 }), { nil: undefined }),
  })
  .map((t) => {
    const parts = [String(t.y), two(t.mo), two(t.d), two(t.h), two(t.mi), two(t.s), `.${t.frac}`];
    const body = parts.slice(0, t.precision).join("");
    if (t.offset === undefined) return body;
    const a = Math.abs(t.offset);
    return `${body}${t.offset < 0 ? "-" : "+"}${two(Math.floor(a / 60))}${two(a % 60)}`;
  });
/** Mostly valid timestamps, sometimes garbage (caught as issues, never thrown). */
const maybeDtm = fc.oneof(
  { weight: 8, arbitrary: dtm },
  { weight: 1, arbitrary: fc.constant("") },
  { weight: 1, arbitrary: fc.stringMatching(/^[0-9+-]{1,16}$/) },
);

const identifier = fc.record({
  id: phi,
  authority: fc.option(fc.constantFrom("HOSP", "STM", "SSA", "OTHER"), { nil: "" }),
  type: fc.option(fc.constantFrom("MR", "PI", "SS", "AN"), { nil: "" }),
});

const message = fc.record({
  d: delimiters,
  version: fc.constantFrom(...VERSIONS),
  trigger: fc.constantFrom(...TRIGGERS, ...MERGES),
  controlId: fc.stringMatching(/^[A-Z0-9]{1,20}$/),
  sendingFacility: fc.constantFrom("STM-MAIN", "GOOD HEALTH", ""),
  sent: maybeDtm,
  evn: fc.option(fc.record({ recorded: maybeDtm, occurred: maybeDtm, reason: code, operator: phi }), {
    nil: undefined,
  }),
  pid: fc.option(
    fc.record({
      ids: fc.array(identifier, { maxLength: 4 }),
      family: phi,
      given: phi,
      dob: maybeDtm,
      sex: fc.constantFrom("F", "M", "U", ""),
      street: phi,
      phone: fc.stringMatching(/^\d{7}$/),
      death: fc.constantFrom("", "Y", "N", "X"),
      deathAt: maybeDtm,
    }),
    { nil: undefined },
  ),
  pv1: fc.option(
    fc.record({
      cls: code,
      unit: phi,
      facility: fc.constantFrom("HOSP-EAST", "STM-NORTH", ""),
      doctors: fc.array(fc.tuple(phi, phi), { maxLength: 3 }),
      admit: maybeDtm,
      discharge: maybeDtm,
    }),
    { nil: undefined },
  ),
  dx: fc.array(fc.tuple(fc.constantFrom("R07.4", "I10", "J18.9"), phi), { maxLength: 3 }),
  mrg: fc.option(fc.array(identifier, { minLength: 1, maxLength: 2 }), { nil: undefined }),
  zpv: fc.option(fc.tuple(phi, dtm), { nil: undefined }),
});

type Gen = typeof message extends fc.Arbitrary<infer T> ? T : never;
type Identifier = typeof identifier extends fc.Arbitrary<infer T> ? T : never;

function render(g: Gen): { raw: string; values: string[] } {
  const { d } = g;
  const values: string[] = [];
  const e = (v: string) => {
    if (v.length >= 6) values.push(v);
    return escapeHl7(v, d);
  };
  const comp = (...parts: string[]) => parts.join(d.component);
  const cx = (i: Identifier) => comp(e(i.id), "", "", i.authority, i.type);
  // Like testing/build.ts seg(), but joined with this message's field separator.
  const mk = (name: string, fields: Record<number, string>) => {
    const last = Math.max(0, ...Object.keys(fields).map(Number));
    const out = [name];
    for (let i = 1; i <= last; i++) out.push(fields[i] ?? "");
    return out.join(d.field);
  };
  const segs: string[] = [];
  const enc = d.component + d.repetition + d.escape + d.subcomponent;
  segs.push(
    `MSH${d.field}${enc}${d.field}${[
      comp("APP", "1.2.3", "ISO"),
      g.sendingFacility,
      "RECV",
      "RFAC",
      g.sent,
      "",
      comp("ADT", g.trigger, `ADT_${g.trigger}`),
      g.controlId,
      "P",
      g.version,
    ].join(d.field)}`,
  );
  if (g.evn) {
    segs.push(
      mk("EVN", {
        1: g.trigger,
        2: g.evn.recorded,
        4: g.evn.reason,
        5: comp("OP1", e(g.evn.operator)),
        6: g.evn.occurred,
      }),
    );
  }
  if (g.pid) {
    const p = g.pid;
    segs.push(
      mk("PID", {
        1: "1",
        3: p.ids.map(cx).join(d.repetition),
        5: comp(e(p.family), e(p.given)),
        7: p.dob,
        8: p.sex,
        11: comp(e(p.street), "", "Town"),
        13: comp("", "PRN", "PH", "", "1", "617", p.phone),
        29: p.deathAt,
        30: p.death,
      }),
    );
  }
  if (g.pv1) {
    const v = g.pv1;
    segs.push(
      mk("PV1", {
        1: "1",
        2: v.cls,
        3: comp(e(v.unit), "101", "A", v.facility),
        7: v.doctors.map(([id, fam]) => comp(e(id), e(fam))).join(d.repetition),
        44: v.admit,
        45: v.discharge,
      }),
    );
  }
  g.dx.forEach(([c, text], i) => {
    segs.push(mk("DG1", { 1: String(i + 1), 3: comp(c, e(text), "I10"), 6: "A" }));
  });
  if (g.mrg) segs.push(mk("MRG", { 1: g.mrg.map(cx).join(d.repetition) }));
  if (g.zpv) segs.push(mk("ZPV", { 1: "1", 2: e(g.zpv[0]), 4: g.zpv[1] }));
  return { raw: segs.join("\r"), values };
}

describe("property: generated ADT messages", () => {
  it("map to events valid under zod and the JSON Schema, or to PHI-free issues", () => {
    let produced = 0;
    let rejected = 0;
    fc.assert(
      fc.property(message, fc.constantFrom(...profiles), fc.nat({ max: 1_000_000 }), (g, profile, seq) => {
        const { raw, values } = render(g);
        const msg = parseMessage(raw);
        const vendor = profile.vendor === "default" ? "demo" : profile.vendor;
        const r = toAdtEvent(msg, profile, {
          id: "7d444840-9dc0-11d1-b245-5ffdce74fad2",
          vendor,
          receivedAt: "2024-07-02T08:30:01.000Z",
          seq,
        });
        if (r.ok) {
          produced++;
          const zodCheck = AdtEventSchema.safeParse(r.event);
          expect(zodCheck.success, JSON.stringify(zodCheck.error?.issues)).toBe(true);
          const json = JSON.parse(JSON.stringify(r.event)) as unknown;
          expect(json).toEqual(r.event);
          expect(validateJson(json), JSON.stringify(validateJson.errors)).toBe(true);
          // The mapping reads what was written, through any delimiters and escapes.
          if (g.pid) {
            expect(r.event.patient?.name?.family).toBe(g.pid.family.trim());
            expect(r.event.patient?.identifiers.map((i) => i.id)).toEqual(g.pid.ids.map((i) => i.id.trim()));
          }
          expect(r.event.diagnoses.map((x) => x.text)).toEqual(g.dx.map(([, t]) => t.trim()));
          expect(patientKey(r.event).length).toBeGreaterThan(0);
        } else {
          rejected++;
          expect(r.error.issues.length).toBeGreaterThan(0);
          const text = `${r.error.message}\n${JSON.stringify(r.error.issues)}`;
          for (const v of values) expect(text, "an issue quotes a message value").not.toContain(v);
          for (const t of [g.sent, g.pid?.dob, g.pid?.deathAt, g.pv1?.admit, g.evn?.recorded]) {
            if (t !== undefined && t.length >= 6) expect(text).not.toContain(t);
          }
        }
      }),
      { numRuns: 1500 },
    );
    // Both branches must actually run, or the property proves little.
    expect(produced).toBeGreaterThan(100);
    expect(rejected).toBeGreaterThan(100);
  });
});

describe("property: mutated messages never make the mapper throw", () => {
  const base = [
    "MSH|^~\\&|APP|STM-MAIN|RECV|RFAC|20240702083000||ADT^A01^ADT_A01|C1|P|2.5.1",
    "EVN|A01|20240702082900||ADM|OP7^Nurse^Nina|20240702081500",
    "PID|1||MRN1^^^STM^MR||Doe^John||19800229|M|||1 Main St^^Boston^MA||^PRN^PH^^1^617^5551234",
    "PV1|1|I|4W^401^A^HOSP|E|||1234^Welby^Marcus|||MED|||||||||V1^^^HOSP^VN",
    "DG1|1||R07.4^Chest pain^I10|||A",
    "MRG|OLD^^^HOSP^MR||ACC^^^HOSP^AN",
    "ZPV|1|W4|Y|20240706",
  ];
  const noise = fc.string({ unit: fc.constantFrom(...'0123456789+-.^~&\\ AZaz"#'), maxLength: 24 });
  const mutation = fc.record({
    segment: fc.integer({ min: 0, max: base.length - 1 }),
    field: fc.integer({ min: 1, max: 46 }),
    text: noise,
  });

  it("random text in random positions gives a valid event or issues, never an exception", () => {
    let produced = 0;
    fc.assert(
      fc.property(
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(...profiles),
        (ms, profile) => {
          const segs = base.map((s) => s.split("|"));
          for (const m of ms) {
            // MSH-1/MSH-2 (the delimiters) stay: breaking them is the parser's concern.
            if (m.segment === 0 && m.field < 2) continue;
            const s = segs[m.segment]!;
            while (s.length <= m.field) s.push("");
            s[m.field] = m.text;
          }
          const raw = segs.map((s) => s.join("|")).join("\r");
          let msg: ReturnType<typeof parseMessage>;
          try {
            msg = parseMessage(raw);
          } catch {
            return; // not a readable message: the worker dead-letters it before mapping
          }
          const vendor = profile.vendor === "default" ? "demo" : profile.vendor;
          const r = toAdtEvent(msg, profile, {
            id: "7d444840-9dc0-11d1-b245-5ffdce74fad2",
            vendor,
            receivedAt: "2024-07-02T08:30:01.000Z",
            seq: 1,
          });
          if (r.ok) {
            produced++;
            expect(AdtEventSchema.safeParse(r.event).success).toBe(true);
            expect(validateJson(JSON.parse(JSON.stringify(r.event)))).toBe(true);
          } else {
            expect(r.error.issues.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 1500 },
    );
    expect(produced).toBeGreaterThan(50);
  });
});
