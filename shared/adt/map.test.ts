import { describe, expect, it } from "vitest";
import { parseMessage } from "../hl7/index.ts";
import { AdtMappingError } from "./errors.ts";
import { patientKey, toAdtEvent } from "./map.ts";
import { DEFAULT_PROFILE, parseVendorProfiles, type VendorProfile } from "./profile.ts";
import { loadVendorProfiles } from "./profile-file.ts";
import { type AdtEvent, AdtEventSchema } from "./schema.ts";
import { buildMessage, ingestFor, seg, VERSIONS } from "./testing/build.ts";

const vendors = loadVendorProfiles(new URL("../../config/vendors.json", import.meta.url).pathname);
const profile = (name: string) => vendors.get(name)!;
const custom = (body: unknown): VendorProfile => parseVendorProfiles({ vendors: { t: body } }).get("t")!;

function mapOk(raw: string, p: VendorProfile = DEFAULT_PROFILE): AdtEvent {
  const r = toAdtEvent(parseMessage(raw), p, ingestFor(p.vendor === "default" ? "demo" : p.vendor));
  if (!r.ok) throw new Error(`expected success for:\n${raw.replaceAll("\r", "\n")}\n${r.error.message}`);
  const check = AdtEventSchema.safeParse(r.event);
  expect(check.success, JSON.stringify(check.error?.issues)).toBe(true);
  return r.event;
}

function mapErr(raw: string, p: VendorProfile = DEFAULT_PROFILE, parseOptions = {}): AdtMappingError {
  const r = toAdtEvent(parseMessage(raw, parseOptions), p, ingestFor("demo"));
  if (r.ok) throw new Error(`expected failure for:\n${raw.replaceAll("\r", "\n")}`);
  expect(r.error).toBeInstanceOf(AdtMappingError);
  expect(r.error.name).toBe("AdtMappingError");
  return r.error;
}

describe("the same facts in every HL7 version 2.3–2.8 give the same event", () => {
  const reference = mapOk(buildMessage({ version: "2.5.1" }));

  it.each(VERSIONS)("v%s", (version) => {
    const e = mapOk(buildMessage({ version }));
    expect(e.header.version).toBe(version);
    expect(e.header.structure).toBe(version === "2.3" ? null : "ADT_A01");
    expect(e.patient?.name).toEqual(reference.patient?.name);
    expect(e.patient?.identifiers).toEqual(reference.patient?.identifiers);
    expect(e.patient?.birthDate).toEqual({ value: "1980-02-29", precision: "day", date: "1980-02-29" });
    expect(e.patient?.address).toEqual(reference.patient?.address);
    expect(e.visit?.location).toEqual(reference.visit?.location);
    expect(e.visit?.attendingDoctors).toEqual(reference.visit?.attendingDoctors);
    expect(e.diagnoses).toEqual(reference.diagnoses);
    expect(e.event).toEqual(reference.event);
    expect(e.header.sentAt).toEqual(reference.header.sentAt);
    expect(e.visit?.admittedAt).toEqual(reference.visit?.admittedAt);
    expect(e.patient?.phones.map((p) => [p.source, p.use, p.number !== null])).toEqual([
      ["home", "PRN", true],
      ["business", "WPN", true],
    ]);
  });

  it("reads the full reference event field by field", () => {
    expect(reference.header).toEqual({
      messageType: "ADT",
      trigger: "A01",
      structure: "ADT_A01",
      controlId: "MSG00001",
      version: "2.5.1",
      sentAt: { value: "2024-07-02T08:30:00+00:00", precision: "second", utc: "2024-07-02T08:30:00.000Z" },
      sendingApplication: "ADT1",
      sendingFacility: "GOOD HEALTH",
      receivingApplication: "RECV",
      receivingFacility: "RFAC",
      processingId: "P",
    });
    expect(reference.facility).toBe("GOOD HEALTH");
    expect(reference.event).toEqual({
      kind: "admit",
      recordedAt: {
        value: "2024-07-02T08:29:00+00:00",
        precision: "second",
        utc: "2024-07-02T08:29:00.000Z",
      },
      occurredAt: {
        value: "2024-07-02T08:15:00+00:00",
        precision: "second",
        utc: "2024-07-02T08:15:00.000Z",
      },
      reason: "ADM",
      operator: {
        id: "OP7",
        family: "Nurse",
        given: "Nina",
        middle: null,
        suffix: null,
        prefix: null,
        authority: null,
      },
    });
    expect(reference.patient).toMatchObject({
      identifiers: [
        { id: "MRN123", authority: "HOSP", type: "MR" },
        { id: "999-00-1111", authority: "SSA", type: "SS" },
      ],
      primaryIdentifier: { id: "MRN123", authority: "HOSP", type: "MR" },
      name: { family: "Doe", given: "John", middle: "Quincy", suffix: "Jr", prefix: "Dr", type: "L" },
      sex: "M",
      address: {
        street: "1 Main St",
        otherDesignation: "Apt 2",
        city: "Boston",
        state: "MA",
        postalCode: "02101",
        country: "USA",
        type: "H",
      },
      phones: [
        { source: "home", use: "PRN", equipment: "PH", number: "+1 (617) 5551234", email: null },
        { source: "business", use: "WPN", equipment: "PH", number: "(617) 5550000 x12", email: null },
      ],
      language: "en",
      deceased: false,
      deathAt: null,
    });
    expect(reference.visit).toMatchObject({
      patientClass: "I",
      location: {
        pointOfCare: "4W",
        room: "401",
        bed: "A",
        facility: "HOSP-EAST",
        building: null,
        floor: null,
      },
      priorLocation: null,
      admissionType: "E",
      hospitalService: "MED",
      attendingDoctors: [
        { id: "1234", family: "Welby", given: "Marcus", prefix: "Dr", authority: "NPI" },
        { id: "2345", family: "Kildare", given: "James", authority: null },
      ],
      referringDoctors: [],
      visitNumber: { id: "V789", authority: "HOSP", type: "VN" },
      dischargedAt: null,
    });
    expect(reference.diagnoses).toEqual([{ code: "R07.4", system: "I10", text: "Chest pain", type: "A" }]);
    expect(reference.mergeSource).toBeNull();
    expect(reference.extensions).toEqual({});
    expect(patientKey(reference)).toBe("HOSP|MRN123");
  });

  it("v2.3: trigger only in EVN-1 is still read", () => {
    const raw = buildMessage({ version: "2.3" }).replace("ADT^A01|", "ADT|");
    expect(mapOk(raw).header.trigger).toBe("A01");
  });

  it("DG1-4 description stands in when DG1-3.2 is empty", () => {
    const raw = buildMessage({ replace: { DG1: "DG1|1|I9|786.50^^I9|Chest pain, unspecified||W" } });
    expect(mapOk(raw).diagnoses).toEqual([
      { code: "786.50", system: "I9", text: "Chest pain, unspecified", type: "W" },
    ]);
  });
});

describe("triggers → event kinds", () => {
  const mrg = "MRG|OLD-9^^^HOSP^MR~OLD-SS^^^SSA^SS||ACC-OLD^^^HOSP^AN||V-OLD^^^HOSP^VN||Roe^Jane";
  it.each([
    ["A01", "admit"],
    ["A02", "transfer"],
    ["A03", "discharge"],
    ["A04", "register"],
    ["A05", "pre-admit"],
    ["A06", "update"],
    ["A07", "update"],
    ["A08", "update"],
    ["A11", "cancel-admit"],
    ["A12", "cancel-transfer"],
    ["A13", "cancel-discharge"],
    ["A17", "swap"],
    ["A28", "register"],
    ["A31", "update"],
    ["A34", "merge"],
    ["A35", "merge"],
    ["A40", "merge"],
    ["A47", "update"],
    ["A09", "other"],
    ["A60", "other"],
  ])("%s → %s", (trigger, kind) => {
    const needsMrg = ["A34", "A35", "A40", "A47"].includes(trigger);
    const e = mapOk(buildMessage({ trigger, extra: needsMrg ? [mrg] : [] }));
    expect(e.event.kind).toBe(kind);
    expect(e.header.trigger).toBe(trigger);
    if (needsMrg) {
      expect(e.mergeSource).toEqual({
        identifiers: [
          { id: "OLD-9", authority: "HOSP", type: "MR" },
          { id: "OLD-SS", authority: "SSA", type: "SS" },
        ],
        accountNumber: { id: "ACC-OLD", authority: "HOSP", type: "AN" },
        visitNumber: { id: "V-OLD", authority: "HOSP", type: "VN" },
        name: { family: "Roe", given: "Jane", middle: null, suffix: null, prefix: null, type: null },
      });
    } else {
      expect(e.mergeSource).toBeNull();
    }
  });

  it("A03 carries discharge time and disposition", () => {
    const e = mapOk(buildMessage({ trigger: "A03" }));
    expect(e.visit?.dischargedAt?.value).toBe("2024-07-05T12:00:00+00:00");
    expect(e.visit?.dischargeDisposition).toBe("01");
  });

  it("A02 carries the prior location", () => {
    const pv1 = seg("PV1", { 1: "1", 2: "I", 3: "5E^501^B^HOSP-EAST", 6: "4W^401^A^HOSP-EAST" });
    const e = mapOk(buildMessage({ trigger: "A02", replace: { PV1: pv1 } }));
    expect(e.visit?.location?.pointOfCare).toBe("5E");
    expect(e.visit?.priorLocation).toMatchObject({ pointOfCare: "4W", room: "401", bed: "A" });
  });

  it("A17 maps the first patient of the swapped pair", () => {
    const raw = buildMessage({
      trigger: "A17",
      extra: [
        seg("PID", { 1: "2", 3: "MRN456^^^HOSP^MR", 5: "Roe^Jane" }),
        seg("PV1", { 1: "2", 2: "I", 3: "4W^402^B" }),
      ],
    });
    const e = mapOk(raw);
    expect(e.event.kind).toBe("swap");
    expect(e.patient?.primaryIdentifier?.id).toBe("MRN123");
  });

  it("A28/A31 without PV1 give a null visit", () => {
    expect(mapOk(buildMessage({ trigger: "A28", drop: ["PV1", "DG1"] })).visit).toBeNull();
  });

  it("a profile overrides single triggers", () => {
    const p = custom({ eventKinds: { A08: "admit" } });
    expect(mapOk(buildMessage({ trigger: "A08" }), p).event.kind).toBe("admit");
    expect(
      mapOk(buildMessage({ trigger: "A14" }), custom({ eventKinds: { A14: "pre-admit" } })).event.kind,
    ).toBe("pre-admit");
    expect(mapOk(buildMessage({ trigger: "A14" })).event.kind).toBe("other");
  });
});

describe("vendor profiles", () => {
  it("acme-hie reproduces the reference design's four fields", () => {
    const raw = buildMessage({
      replace: { MSH: "MSH|^~\\&|MERCY_GENERAL|MERCY|RECV|RFAC|20240702083000||ADT^A01^ADT_A01|C1|P|2.3.1" },
    });
    const e = mapOk(raw, profile("acme-hie"));
    expect(e.extensions).toEqual({
      facility_name: "MERCY_GENERAL",
      patient_name: "John Doe",
      patient_id: "MRN123",
      patient_dob: "1980-02-29",
    });
    expect(e.facility).toBe("MERCY_GENERAL");
    expect(e.patient?.primaryIdentifier?.id).toBe("MRN123");
    // Chicago wall-clock time in July is CDT.
    expect(e.header.sentAt?.value).toBe("2024-07-02T08:30:00-05:00");
  });

  it("acme-hie accepts only its trigger list", () => {
    const err = mapErr(buildMessage({ trigger: "A17" }), profile("acme-hie"));
    expect(err.issues).toEqual([{ path: "MSH-9", code: "not_accepted", reason: expect.any(String) }]);
  });

  const stMary = (o: Parameters<typeof buildMessage>[0] = {}) =>
    buildMessage({ sendingFacility: "STM-MAIN", ...o });

  it("st-mary: primary id by authority, facility from PV1-3.4, Z-segment extensions, New York time", () => {
    const pid = seg("PID", { 1: "1", 3: "X1^^^OTHER^MR~S-77^^^STM^PI", 5: "Doe^John", 7: "19800229" });
    const e = mapOk(
      stMary({ replace: { PID: pid }, extra: ["ZPV|1|W4|Y|202407061000"] }),
      profile("st-mary"),
    );
    expect(e.patient?.primaryIdentifier).toEqual({ id: "S-77", authority: "STM", type: "PI" });
    expect(patientKey(e)).toBe("STM|S-77");
    expect(e.facility).toBe("HOSP-EAST");
    expect(e.extensions).toEqual({
      ward_code: "W4",
      isolation_flag: "Y",
      expected_discharge: "2024-07-06T10:00-04:00",
    });
    expect(e.header.sentAt).toEqual({
      value: "2024-07-02T08:30:00-04:00",
      precision: "second",
      utc: "2024-07-02T12:30:00.000Z",
    });
    // Birth dates never move with the zone.
    expect(e.patient?.birthDate?.date).toBe("1980-02-29");
  });

  it("st-mary: facility falls back to MSH-4 when PV1-3.4 is empty, extensions are null when absent", () => {
    const pv1 = seg("PV1", { 1: "1", 2: "O", 3: "CLINIC" });
    const pid = seg("PID", { 1: "1", 3: "S-1^^^STM^MR" });
    const e = mapOk(stMary({ replace: { PV1: pv1, PID: pid } }), profile("st-mary"));
    expect(e.facility).toBe("STM-MAIN");
    expect(e.extensions).toEqual({ ward_code: null, isolation_flag: null, expected_discharge: null });
  });

  it("st-mary: no STM identifier is an error, not a silent fallback", () => {
    const err = mapErr(stMary(), profile("st-mary"));
    expect(err.issues).toEqual([{ path: "PID-3", code: "required", reason: expect.any(String) }]);
  });

  it("st-mary: unknown sending facility and missing required PV1-2 are reported together", () => {
    const pv1 = seg("PV1", { 1: "1", 3: "4W^1^A^STM-NORTH" });
    const pid = seg("PID", { 1: "1", 3: "S-1^^^STM^MR" });
    const err = mapErr(
      buildMessage({ sendingFacility: "ELSEWHERE", replace: { PV1: pv1, PID: pid } }),
      profile("st-mary"),
    );
    expect(err.issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      "MSH-4 facility_not_allowed",
      "PV1-2 required",
    ]);
    expect(err.message).not.toContain("ELSEWHERE");
  });

  it("repetition rule and default authority", () => {
    const p = custom({ primaryIdentifier: { repetition: 2, defaultAuthority: "LOCAL" } });
    const pid = seg("PID", { 1: "1", 3: "A1^^^HOSP^MR~B2^^^^PI" });
    const e = mapOk(buildMessage({ replace: { PID: pid } }), p);
    expect(e.patient?.primaryIdentifier).toEqual({ id: "B2", authority: "LOCAL", type: "PI" });
    expect(e.patient?.identifiers[1]).toEqual({ id: "B2", authority: null, type: "PI" });
    expect(patientKey(e)).toBe("LOCAL|B2");
  });

  it("default profile: first MR identifier, else the first; empty repetitions skipped", () => {
    const pid = seg("PID", { 1: "1", 3: "~S1^^^SSA^SS~M1^^^H^MR" });
    expect(mapOk(buildMessage({ replace: { PID: pid } })).patient?.primaryIdentifier?.id).toBe("M1");
    const pid2 = seg("PID", { 1: "1", 3: "S1^^^^SS~P1^^^H^PI" });
    const e = mapOk(buildMessage({ replace: { PID: pid2 } }));
    expect(e.patient?.primaryIdentifier?.id).toBe("S1");
    expect(patientKey(e)).toBe("|S1");
  });

  it("patient key falls back to the control id without identifiers", () => {
    const e = mapOk(buildMessage({ replace: { PID: seg("PID", { 1: "1", 5: "Doe^John" }) } }));
    expect(e.patient?.primaryIdentifier).toBeNull();
    expect(patientKey(e)).toBe("MSG00001");
  });

  it("naive times follow the profile zone; explicit offsets win", () => {
    const p = custom({ timeZone: "Europe/Berlin" });
    const raw = buildMessage({ replace: { EVN: "EVN|A01|20240702082900||||20240702081500+0000" } });
    const e = mapOk(raw, p);
    expect(e.event.recordedAt?.value).toBe("2024-07-02T08:29:00+02:00");
    expect(e.event.occurredAt?.value).toBe("2024-07-02T08:15:00+00:00");
  });
});

describe("missing and malformed fields", () => {
  it("lists every problem with path and code, never the value", () => {
    const raw = buildMessage({
      trigger: "A40",
      replace: {
        EVN: "EVN|A40|20241301||||2024070208",
        PID: seg("PID", {
          1: "1",
          3: "MRN123^^^HOSP^MR",
          5: "Doe^John",
          7: "19810229",
          29: "2024x",
          30: "maybe",
        }),
        PV1: seg("PV1", { 1: "1", 2: "I", 44: "202407021260" }),
      },
    });
    const err = mapErr(raw);
    expect(err.issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      "EVN-2 invalid_timestamp",
      "MRG missing_segment",
      "PID-7 invalid_date",
      "PID-29 invalid_timestamp",
      "PID-30 invalid_value",
      "PV1-44 invalid_timestamp",
    ]);
    const everything = `${err.message} ${JSON.stringify(err.issues)}`;
    for (const value of ["20241301", "19810229", "2024x", "maybe", "202407021260", "MRN123", "Doe", "John"]) {
      expect(everything, value).not.toContain(value);
    }
    expect(err.retryable).toBe(false);
  });

  it("empty MSH-9.1/MSH-9.2/MSH-10 are required (when the parser lets them through)", () => {
    const raw = buildMessage()
      .replace("ADT^A01^ADT_A01|MSG00001|", "^^ADT_A01||")
      .replace("EVN|A01|", "EVN||");
    const err = mapErr(raw, DEFAULT_PROFILE, { requireHeaderFields: false });
    expect(err.issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      "MSH-9.1 required",
      "MSH-9.2 required",
      "MSH-10 required",
    ]);
  });

  it("an ADT message without PID is rejected (except A20 bed status)", () => {
    expect(mapErr(buildMessage({ drop: ["PID"] })).issues).toEqual([
      { path: "PID", code: "missing_segment", reason: expect.any(String) },
    ]);
    expect(mapOk(buildMessage({ trigger: "A20", drop: ["PID"] })).patient).toBeNull();
  });

  it('profile-required paths are checked, the HL7 null "" counts as empty', () => {
    const p = custom({ required: ["PID-7", "PID-8", "PV1-3.4.1"] });
    const raw = buildMessage({ replace: { PID: seg("PID", { 1: "1", 3: "M^^^H^MR", 7: '""' }) } });
    expect(mapErr(raw, p).issues.map((i) => i.path)).toEqual(["PID-7", "PID-8"]);
  });

  it("a profile extension typed as date reports a malformed value at its path", () => {
    const p = custom({ extensions: { dob: { paths: ["PID-7"], type: "date" } } });
    const raw = buildMessage({ replace: { PID: seg("PID", { 1: "1", 3: "M^^^H^MR", 7: "1980-01-01" }) } });
    expect(mapErr(raw, p).issues.map((i) => `${i.path} ${i.code}`)).toEqual([
      "PID-7 invalid_date",
      "PID-7 invalid_date",
    ]);
  });

  it("malformed ingest metadata is a wiring error named by its event path", () => {
    const r = toAdtEvent(parseMessage(buildMessage()), DEFAULT_PROFILE, {
      id: "not-a-uuid",
      vendor: "Demo",
      receivedAt: "yesterday",
      seq: -1,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.issues.map((i) => `${i.path} ${i.code}`)).toEqual([
        "ingest.id invalid_ingest",
        "ingest.vendor invalid_ingest",
        "ingest.receivedAt invalid_ingest",
        "ingest.seq invalid_ingest",
      ]);
    }
  });
});

describe("message realities", () => {
  it("custom delimiters and escapes map to the same event", () => {
    const standard = mapOk(buildMessage());
    const raw = buildMessage()
      .replaceAll("|", "!")
      .replaceAll("^", "@")
      .replaceAll("~", "#")
      .replaceAll("&", "%")
      .replace("MSH!@#\\%", "MSH!@#$%");
    const e = mapOk(raw);
    expect({ ...e, ingest: null }).toEqual({ ...standard, ingest: null });
  });

  it("escape sequences are decoded in values", () => {
    const pid = seg("PID", { 1: "1", 3: "M1^^^H^MR", 5: "O\\T\\Brien^Ann", 11: "1 Main St \\F\\ 2^^Town" });
    const e = mapOk(buildMessage({ replace: { PID: pid } }));
    expect(e.patient?.name?.family).toBe("O&Brien");
    expect(e.patient?.address?.street).toBe("1 Main St | 2");
  });

  it("\\n segment terminators and trailing delimiters change nothing", () => {
    const a = mapOk(buildMessage());
    const b = mapOk(`${buildMessage().replaceAll("\r", "|||\n")}\n`);
    expect(b).toEqual(a);
  });

  it("death indicator and time", () => {
    const pid = seg("PID", { 1: "1", 3: "M1^^^H^MR", 29: "202407011200", 30: "Y" });
    const e = mapOk(buildMessage({ trigger: "A08", replace: { PID: pid } }));
    expect(e.patient).toMatchObject({
      deceased: true,
      deathAt: { value: "2024-07-01T12:00+00:00", precision: "minute" },
    });
  });

  it("timestamps of every precision pass through the mapping", () => {
    for (const [dtm, precision] of [
      ["2024", "year"],
      ["202407", "month"],
      ["20240702", "day"],
      ["2024070208", "hour"],
      ["202407020829", "minute"],
      ["20240702082900.1234-0700", "fraction"],
    ] as const) {
      const e = mapOk(buildMessage({ replace: { EVN: `EVN|A01|${dtm}` } }));
      expect(e.event.recordedAt?.precision, dtm).toBe(precision);
    }
  });
});

describe("required primary identifier", () => {
  it("a message without any PID-3 is rejected when the profile requires a primary identifier", () => {
    const p = custom({ primaryIdentifier: { types: ["MR"], required: true } });
    const err = mapErr(buildMessage({ replace: { PID: seg("PID", { 1: "1", 5: "Doe^John" }) } }), p);
    expect(err.issues).toEqual([{ path: "PID-3", code: "required", reason: expect.any(String) }]);
  });
});
