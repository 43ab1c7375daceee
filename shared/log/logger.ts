/**
 * Structured logging. One JSON line per event with a stable snake_case event name and
 * metadata fields. Callers pass metadata only (vendor, control id, event type, sizes,
 * timings, error codes); never a message body or any patient field.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line (request id, job id, vendor). */
  child(fields: LogFields): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A JSON-lines logger writing through `write` (stdout by default via console.log, which
 * exists in Node, Deno and workerd alike).
 *
 * @example
 * const log = createJsonLogger({ service: "edge", level: "info" });
 * log.info("message_enqueued", { vendor: "demo", control_id: "MSG0001", bytes: 812 });
 */
export function createJsonLogger(opts: {
  service: string;
  level?: LogLevel;
  write?: (line: string) => void;
  now?: () => Date;
  base?: LogFields;
}): Logger {
  const min = ORDER[opts.level ?? "info"];
  const write = opts.write ?? ((line: string) => console.log(line));
  const now = opts.now ?? (() => new Date());
  const make = (base: LogFields): Logger => {
    const emit = (level: LogLevel, event: string, fields?: LogFields) => {
      if (ORDER[level] < min) return;
      write(
        JSON.stringify({ ts: now().toISOString(), level, service: opts.service, event, ...base, ...fields }),
      );
    };
    return {
      debug: (e, f) => emit("debug", e, f),
      info: (e, f) => emit("info", e, f),
      warn: (e, f) => emit("warn", e, f),
      error: (e, f) => emit("error", e, f),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(opts.base ?? {});
}

/** Discards everything; for unit tests that assert on behaviour, not on logs. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/**
 * What may be logged about an error: its class name, its `code` when it has one, and its
 * message only for our own typed errors, whose messages are written never to quote values.
 */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error_name: typeof err };
  const code = (err as { code?: unknown }).code;
  return {
    error_name: err.name,
    error_code: typeof code === "string" || typeof code === "number" ? code : undefined,
  };
}
