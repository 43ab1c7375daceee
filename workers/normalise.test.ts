import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadVendorProfiles } from "../shared/adt/profile-file.ts";
import { PermanentJobError } from "./errors.ts";
import { normalise } from "./normalise.ts";
import { adtJob, adtMessage } from "./testing/adt-jobs.ts";

const profiles = loadVendorProfiles("config/vendors.json");

describe("normalise (shared/hl7 + shared/adt)", () => {
  it("keys by authority|id of the primary identifier", () => {
    const { event, key } = normalise(adtJob("demo", 1, { patient: 7 }), profiles.get("demo"));
    expect(key).toBe("GENHOSP|100007");
    expect(event.ingest.seq).toBe(1);
  });

  it("turns parse failures into a permanent parse-stage error with code and position only", () => {
    const err = (() => {
      try {
        normalise(adtJob("demo", 1, { raw: "PID|1||SECRET-MRN" }), profiles.get("demo"));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PermanentJobError);
    expect(err).toMatchObject({ stage: "parse", retryable: false, problems: [{ code: "hl7:NO_MSH" }] });
    expect((err as Error).message).not.toContain("SECRET");
  });

  it("turns profile violations into normalise-stage problems", () => {
    // st-mary only accepts its own sending facilities and requires its STM identifier.
    const job = adtJob("st-mary", 1, { raw: adtMessage({ controlId: "C1", patient: 3 }) });
    expect(() => normalise(job, profiles.get("st-mary"))).toThrow(PermanentJobError);
    try {
      normalise(job, profiles.get("st-mary"));
    } catch (e) {
      const codes = (e as PermanentJobError).problems.map((p) => p.code);
      expect((e as PermanentJobError).stage).toBe("normalise");
      expect(codes).toContain("adt:facility_not_allowed");
    }
  });

  it("never throws anything but PermanentJobError for arbitrary text, and never quotes it (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.constantFrom("", "MSH|^~\\&|"), (body, head) => {
        const raw = `${head}${body}ZZSECRETZZ`;
        try {
          normalise(adtJob("demo", 1, { raw }), profiles.get("demo"));
        } catch (e) {
          expect(e).toBeInstanceOf(PermanentJobError);
          expect((e as Error).message).not.toContain("ZZSECRETZZ");
          for (const p of (e as PermanentJobError).problems) expect(p.reason).not.toContain("ZZSECRETZZ");
        }
      }),
    );
  });
});
