import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import type { ProvidedServices } from "../setup/services.ts";

/** Endpoints of the real Redis and Kafka the integration project runs against. */
export function testServices(): ProvidedServices {
  return inject("services");
}

/**
 * A name no other test (or earlier run) uses, for queues, topics, vendors and groups.
 * Lowercase and dash-separated so it is valid as a Kafka topic part and a vendor id.
 */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
}
