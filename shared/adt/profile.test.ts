import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { VendorProfileError } from "./errors.ts";
import { DEFAULT_PROFILE, isAccepted, parseVendorProfiles } from "./profile.ts";
import { loadVendorProfiles } from "./profile-file.ts";

const VENDORS_FILE = resolve(import.meta.dirname, "../../config/vendors.json");

function profileError(json: unknown): VendorProfileError {
  try {
    parseVendorProfiles(json);
  } catch (e) {
    if (e instanceof VendorProfileError) return e;
    throw e;
  }
  throw new Error(`expected a VendorProfileError for ${JSON.stringify(json)}`);
}

describe("config/vendors.json", () => {
  const profiles = loadVendorProfiles(VENDORS_FILE);

  it("holds the demo, acme-hie and st-mary vendors", () => {
    expect([...profiles.keys()].sort()).toEqual(["acme-hie", "demo", "st-mary"]);
  });

  it("demo is the default profile under another name", () => {
    const { vendor: _v, description: _d, ...demo } = profiles.get("demo")!;
    const { vendor: _dv, ...defaults } = DEFAULT_PROFILE;
    expect(demo).toEqual(defaults);
  });

  it("st-mary reads New York time, picks STM identifiers, takes the facility from PV1-3.4", () => {
    const p = profiles.get("st-mary")!;
    expect(p).toMatchObject({
      vendor: "st-mary",
      timeZone: "America/New_York",
      primaryIdentifier: { authorities: ["STM"], required: true },
      facility: ["PV1-3.4.1", "MSH-4.1"],
    });
    expect(Object.keys(p.extensions)).toContain("ward_code");
  });
});

describe("parseVendorProfiles", () => {
  it("fills defaults: UTC, all ADT triggers, MR primary id, MSH-4 facility", () => {
    const p = parseVendorProfiles({ vendors: { x: {} } }).get("x")!;
    expect(p).toEqual({
      vendor: "x",
      timeZone: "UTC",
      accept: { ADT: ["*"] },
      primaryIdentifier: { types: ["MR"], required: false },
      facility: ["MSH-4.1"],
      required: [],
      extensions: {},
      eventKinds: {},
    });
  });

  it("names the vendor and key of an unknown time zone", () => {
    const e = profileError({ vendors: { "st-mary": { timeZone: "America/Springfield" } } });
    expect(e.issues).toEqual([
      { vendor: "st-mary", key: "timeZone", reason: expect.stringContaining("IANA") },
    ]);
    expect(e.message).toContain('vendor "st-mary", key "timeZone"');
    expect(e.vendor).toBe("st-mary");
    expect(e.key).toBe("timeZone");
  });

  it("lists every problem across vendors, with nested keys", () => {
    const e = profileError({
      vendors: {
        a: { facility: ["MSH 4"], primaryIdentifier: { repetition: 0 } },
        b: { accept: { ADT: ["a01"] }, extensions: { WardCode: "ZPV-2" } },
        c: { timeZone: "UTC", colour: "blue" },
      },
    });
    const where = e.issues.map((i) => `${i.vendor}:${i.key}`).sort();
    expect(where).toEqual([
      "a:facility.0",
      "a:primaryIdentifier.repetition",
      "b:accept.ADT.0",
      "b:extensions.WardCode",
      "c:(profile)",
    ]);
    expect(e.issues.find((i) => i.vendor === "c")?.reason).toContain("colour");
  });

  it("rejects vendor ids that cannot be Kafka topic segments", () => {
    for (const id of ["ACME", "-acme", "acme_hie", "acme.hie", ""]) {
      const e = profileError({ vendors: { [id]: {} } });
      expect(e.issues[0], id).toMatchObject({ vendor: id, key: "(vendor id)" });
    }
  });

  it("rejects a file without a vendors object", () => {
    expect(profileError({}).issues[0]).toMatchObject({ vendor: "(file)", key: "vendors" });
    expect(profileError([]).issues[0]).toMatchObject({ vendor: "(file)" });
    expect(profileError({ vendors: {}, extra: 1 }).issues[0]?.reason).toContain("extra");
  });

  it("validates extension specs", () => {
    const ok = parseVendorProfiles({
      vendors: { v: { extensions: { dob: { paths: ["PID-7"], type: "date" }, ward: "ZPV-2.1" } } },
    }).get("v")!;
    expect(ok.extensions).toEqual({ dob: { paths: ["PID-7"], join: " ", type: "date" }, ward: "ZPV-2.1" });
    const bad = profileError({ vendors: { v: { extensions: { dob: { paths: [], type: "money" } } } } });
    expect(bad.issues.every((i) => i.vendor === "v" && i.key.startsWith("extensions.dob"))).toBe(true);
  });
});

describe("isAccepted", () => {
  const p = parseVendorProfiles({ vendors: { v: { accept: { ADT: ["A01", "A08"], SIU: ["*"] } } } }).get(
    "v",
  )!;
  it("accepts listed triggers and wildcards, nothing else", () => {
    expect(isAccepted(p, "ADT", "A01")).toBe(true);
    expect(isAccepted(p, "ADT", "A08")).toBe(true);
    expect(isAccepted(p, "ADT", "A03")).toBe(false);
    expect(isAccepted(p, "SIU", "S12")).toBe(true);
    expect(isAccepted(p, "ORU", "R01")).toBe(false);
    expect(isAccepted(DEFAULT_PROFILE, "ADT", "A60")).toBe(true);
    expect(isAccepted(DEFAULT_PROFILE, "ORM", "O01")).toBe(false);
  });
});

describe("loadVendorProfiles", () => {
  const dir = mkdtempSync(join(tmpdir(), "adt-profiles-"));
  it("fails with a VendorProfileError for a missing file", () => {
    expect(() => loadVendorProfiles(join(dir, "nope.json"))).toThrow(VendorProfileError);
  });
  it("fails with a VendorProfileError for invalid JSON", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, "{ vendors: ");
    expect(() => loadVendorProfiles(path)).toThrow(/not valid JSON/);
  });
});
