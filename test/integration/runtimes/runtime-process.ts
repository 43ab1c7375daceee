/**
 * Starts the edge under another runtime (Deno, workerd via wrangler) as a child process for
 * the runtime conformance tests, waits until it answers, and stops it again. Each child gets
 * its own process group (`detached`) so that stopping it also stops what it spawned (wrangler
 * runs esbuild and two workerd processes); only that group is signalled, never by name.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { waitFor } from "../../support/wait.ts";

export const repoRoot = resolve(import.meta.dirname, "../../..");

export interface RuntimeProcess {
  readonly name: string;
  readonly baseUrl: string;
  /** stdout+stderr so far (kept for failure messages; the app logs no PHI). */
  output(): string;
  /** Exit code once the process has exited (null when killed by a signal), else undefined. */
  exitCode(): number | null | undefined;
  /** SIGTERM to the process group (SIGKILL after 5 s); resolves when the process has exited. */
  stop(): Promise<void>;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string>;
  port: number;
  /** How long the runtime may take until GET /healthz answers 200. */
  startTimeoutMs?: number;
  /** Servers without /healthz (benchmark baselines): any HTTP answer means it listens. */
  anyAnswerMeansUp?: boolean;
}

/**
 * Spawns `command`, then polls `GET /healthz` on 127.0.0.1:`port` until it answers 200.
 *
 * @example
 * const deno = await startRuntime({ name: "deno", command: "node_modules/.bin/deno", args, env, port });
 * await fetch(`${deno.baseUrl}/healthz`);
 * await deno.stop();
 */
export async function startRuntime(opts: StartOptions): Promise<RuntimeProcess> {
  const child = spawn(opts.command, opts.args, {
    cwd: repoRoot,
    env: { ...process.env, ...opts.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (chunk: Buffer) => {
    out += chunk.toString("utf8");
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited: number | null | undefined;
  child.once("exit", (code) => {
    exited = code;
  });

  const baseUrl = `http://127.0.0.1:${opts.port}`;
  const proc: RuntimeProcess = {
    name: opts.name,
    baseUrl,
    output: () => out,
    exitCode: () => exited,
    stop: () => stopGroup(child),
  };
  try {
    const outcome = await waitFor(
      `${opts.name} to answer GET /healthz on ${baseUrl}`,
      async () => {
        // An exit ends the wait at once instead of polling a dead port until the timeout.
        if (exited !== undefined) return "exited" as const;
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
        await res.body?.cancel();
        return (res.status === 200 || opts.anyAnswerMeansUp === true) && ("up" as const);
      },
      { timeoutMs: opts.startTimeoutMs ?? 60_000, intervalMs: 250 },
    );
    if (outcome === "exited") throw new Error(`${opts.name} exited with code ${exited}`);
  } catch (err) {
    await proc.stop();
    throw new Error(`${opts.name} did not start; its output:\n${out.slice(-4000)}`, { cause: err });
  }
  return proc;
}

/** SIGTERM to the child's process group, SIGKILL if it is still there after 5 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once("exit", () => r()));
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      // The group is already gone.
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), 5000);
  await gone;
  clearTimeout(timer);
  // The leader may exit before its children (wrangler's workerd); make sure none outlive it.
  signal("SIGKILL");
}
