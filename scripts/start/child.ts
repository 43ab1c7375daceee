/**
 * A TypeScript entry (edge, workers) run as a child process in its own process group, with
 * its JSON log lines appended to a file and watched for a readiness event.
 *
 * Own process group, because Ctrl-C in a terminal signals the whole foreground group: the
 * children would then all stop at once, and the order that keeps messages safe (edge first,
 * so nothing new is accepted, then workers, then the services) would be lost.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync, type WriteStream } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

export class ChildStartError extends Error {
  override name = "ChildStartError";
}

export interface ManagedChild {
  name: string;
  pid: number;
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>;
  readonly running: boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL at once (fault tests). */
  kill(): void;
}

export interface ChildSpec {
  name: string;
  /** Path of the .ts entry, relative to `cwd`. */
  entry: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** JSON log `event` that means ready. */
  readyEvent: string;
  readyTimeoutMs?: number;
}

// Resolved once: `node --import <tsx>` runs .ts entries in one process (no npx/npm wrapper
// between us and the PID we signal).
const TSX_IMPORT = import.meta.resolve("tsx");

/**
 * Starts the child and resolves when it logged `readyEvent` (with that log line's fields);
 * rejects, after stopping it, if it exits or stays silent for `readyTimeoutMs`.
 *
 * @example
 * const { child, ready } = await startChild({ name: "edge", entry: "edge/entries/node.ts", cwd, env, logFile, readyEvent: "edge_listening" });
 * ready.port; // from the edge_listening line
 */
export async function startChild(
  spec: ChildSpec,
): Promise<{ child: ManagedChild; ready: Record<string, unknown> }> {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log: WriteStream = createWriteStream(spec.logFile, { flags: "a" });
  const proc: ChildProcess = spawn(process.execPath, ["--import", TSX_IMPORT, spec.entry], {
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (proc.pid === undefined) throw new ChildStartError(`${spec.name} could not be started`);
  const pid = proc.pid;
  let running = true;
  const exited = new Promise<number | string>((resolve) => {
    proc.once("exit", (code, signal) => {
      running = false;
      resolve(code ?? signal ?? "unknown");
    });
  });
  void exited.then(() => log.end());

  let onReady: (fields: Record<string, unknown>) => void = () => {};
  const readyP = new Promise<Record<string, unknown>>((resolve) => {
    onReady = resolve;
  });
  const recent: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on("line", (line) => {
      log.write(`${line}\n`);
      recent.push(line);
      if (recent.length > 20) recent.shift();
      if (line.startsWith("{") && line.includes(`"${spec.readyEvent}"`)) {
        try {
          const fields = JSON.parse(line) as Record<string, unknown>;
          if (fields.event === spec.readyEvent) onReady(fields);
        } catch {
          // Not JSON after all: only ready lines matter here.
        }
      }
    });
  }

  const child: ManagedChild = {
    name: spec.name,
    pid,
    exited,
    get running() {
      return running;
    },
    async stop(graceMs = 30_000) {
      if (!running) return;
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill() {
      if (running) signalGroup(pid, "SIGKILL");
    },
  };

  const timeoutMs = spec.readyTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await Promise.race([
      readyP,
      exited.then((code) => {
        throw new ChildStartError(
          `${spec.name} exited (${code}) before it was ready; its last lines (see ${spec.logFile}):\n  ${recent.join("\n  ")}`,
        );
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new ChildStartError(`${spec.name} was not ready within ${timeoutMs} ms (log: ${spec.logFile})`),
            ),
          timeoutMs,
        );
      }),
    ]);
    return { child, ready };
  } catch (err) {
    await child.stop(5000);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** Signals the child's whole group (tsx or the runtime may fork helpers); ESRCH = already gone. */
function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
