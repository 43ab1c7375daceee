import { VENDOR_ID_PATTERN } from "../vendor-id.ts";

export type TopicKind = "events" | "raw" | "dlq";
export const TOPIC_KINDS: readonly TopicKind[] = ["events", "raw", "dlq"];

/**
 * The one place topic names are made: `${prefix}adt.${vendor}.${kind}`.
 *
 * @example topicName("", "st-mary", "events") // "adt.st-mary.events"
 * @example topicName("staging.", "demo", "dlq") // "staging.adt.demo.dlq"
 */
export function topicName(prefix: string, vendor: string, kind: TopicKind): string {
  if (!VENDOR_ID_PATTERN.test(vendor)) throw new RangeError("vendor id is not valid in a topic name");
  return `${prefix}adt.${vendor}.${kind}`;
}

/** Parses a topic name back into vendor and kind; undefined for topics that are not ours. */
export function parseTopicName(
  prefix: string,
  topic: string,
): { vendor: string; kind: TopicKind } | undefined {
  if (!topic.startsWith(`${prefix}adt.`)) return undefined;
  const rest = topic.slice(prefix.length + 4);
  const dot = rest.lastIndexOf(".");
  const vendor = rest.slice(0, dot);
  const kind = rest.slice(dot + 1) as TopicKind;
  if (dot <= 0 || !TOPIC_KINDS.includes(kind) || !VENDOR_ID_PATTERN.test(vendor)) return undefined;
  return { vendor, kind };
}

/** Record header names of the Kafka contract (architecture doc, "Kafka contract"). */
export const HEADERS = {
  vendor: "vendor",
  ingestId: "ingest-id",
  seq: "seq",
  receivedAt: "received-at",
  controlId: "hl7-control-id",
  messageType: "hl7-message-type",
  contentType: "content-type",
  schema: "schema",
} as const;

export const EVENT_SCHEMA_ID = "adt-event/v1";
