/**
 * Which request bodies the edge reads: ER7 text in one of the "HL7 over HTTP" media types, in
 * a charset our decoder supports.
 */
import { normalizeCharset } from "../shared/hl7/index.ts";

export const ACCEPTED_MEDIA_TYPES = [
  "application/hl7-v2",
  "application/hl7-v2+er7",
  "x-application/hl7-v2+er7",
  "text/plain",
] as const;

export type BodyType =
  | { readonly ok: true; readonly mediaType: string; readonly charset: string | undefined }
  | { readonly ok: false };

/**
 * Parses a Content-Type header. `charset` is the normalised name when the parameter was given
 * (it then overrides MSH-18), `undefined` when absent (MSH-18 decides, UTF-8 by default).
 *
 * @example
 * parseBodyType("application/hl7-v2; charset=ISO-8859-1"); // { ok: true, mediaType: "application/hl7-v2", charset: "iso-8859-1" }
 * parseBodyType("application/json"); // { ok: false }
 */
export function parseBodyType(header: string | undefined): BodyType {
  if (header === undefined) return { ok: false };
  const parts = header.split(";");
  const mediaType = (parts[0] ?? "").trim().toLowerCase();
  if (!(ACCEPTED_MEDIA_TYPES as readonly string[]).includes(mediaType)) return { ok: false };
  let charset: string | undefined;
  for (let i = 1; i < parts.length; i++) {
    const p = parts[i]!;
    const eq = p.indexOf("=");
    if (eq === -1) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== "charset") continue;
    const value = p
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    const normalised = normalizeCharset(value);
    if (normalised === undefined) return { ok: false };
    charset = normalised;
  }
  return { ok: true, mediaType, charset };
}

/** True when the client asked for the JSON variant of the ACK. */
export function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  // Only an explicit application/json preference switches; `*/*` keeps the HL7 ACK.
  return accept.split(",").some((p) => (p.split(";")[0] ?? "").trim().toLowerCase() === "application/json");
}
