import { z } from "zod";

/**
 * A vendor id names Kafka topics (`adt.<vendor>.events`), queue keys and metric labels, so it
 * is restricted to what is safe in all of them: lowercase letters, digits and dashes.
 */
export const VENDOR_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const VendorIdSchema = z
  .string()
  .regex(
    VENDOR_ID_PATTERN,
    "vendor ids are 1-63 lowercase letters, digits or dashes, starting with a letter or digit",
  );

export type VendorId = z.infer<typeof VendorIdSchema>;
