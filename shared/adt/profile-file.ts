/**
 * Node-only: reads the vendor profile file. Kept apart so the rest of shared/adt stays free of
 * runtime APIs (Deno and workerd entries read the file their own way and call
 * `parseVendorProfiles`).
 */
import { readFileSync } from "node:fs";
import { VendorProfileError } from "./errors.ts";
import { parseVendorProfiles, type VendorProfile } from "./profile.ts";

/**
 * Reads and validates a vendor profile file (usually `process.env.VENDOR_PROFILES`, e.g.
 * `config/vendors.json`). Throws {@link VendorProfileError} for unreadable, non-JSON or
 * invalid content.
 *
 * @example
 * const profiles = loadVendorProfiles(env.VENDOR_PROFILES);
 */
export function loadVendorProfiles(path: string): ReadonlyMap<string, VendorProfile> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new VendorProfileError([{ vendor: "(file)", key: "(file)", reason: `cannot read ${path}` }], {
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new VendorProfileError([{ vendor: "(file)", key: "(file)", reason: `${path} is not valid JSON` }], {
      cause,
    });
  }
  return parseVendorProfiles(json);
}
