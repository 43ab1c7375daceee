import type { Logger } from "../shared/log/logger.ts";

export interface ShutdownOptions {
  /** Stops taking work, finishes in-flight jobs, flushes and disconnects. Must be idempotent. */
  close: () => Promise<void>;
  logger: Logger;
  timeoutMs: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
  /** Where to listen; a test passes its own emitter. */
  target?: Pick<NodeJS.Process, "on" | "off">;
}

/**
 * SIGTERM/SIGINT → graceful close, then exit 0 (1 if closing failed or took longer than
 * `timeoutMs`). A second signal exits at once with 130: the operator asked twice. Jobs cut
 * off by a forced exit are not lost: BullMQ's stalled-job check hands them to another worker.
 *
 * @example
 * installShutdown({ close: () => runtime.close(), logger, timeoutMs: 30_000 });
 */
export function installShutdown(opts: ShutdownOptions): () => void {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const target = opts.target ?? process;
  const signals = opts.signals ?? ["SIGTERM", "SIGINT"];
  let closing = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      opts.logger.warn("shutdown_forced", { signal });
      exit(130);
      return;
    }
    closing = true;
    opts.logger.info("shutdown_started", { signal });
    const timer = setTimeout(() => {
      opts.logger.error("shutdown_timed_out", { timeout_ms: opts.timeoutMs });
      exit(1);
    }, opts.timeoutMs);
    timer.unref?.();
    opts.close().then(
      () => {
        clearTimeout(timer);
        opts.logger.info("shutdown_complete");
        exit(0);
      },
      (err: unknown) => {
        clearTimeout(timer);
        opts.logger.error("shutdown_failed", { error_name: err instanceof Error ? err.name : typeof err });
        exit(1);
      },
    );
  };
  for (const s of signals) target.on(s, onSignal);
  return () => {
    for (const s of signals) target.off(s, onSignal);
  };
}
