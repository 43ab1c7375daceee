import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/**
 * infra/databricks/scripts/test.sh and bench.sh without Spark or real services: each script is
 * copied with the own-services.sh it sources into a scratch repository whose `npm` answers
 * services:status/up/down from state files (one per service: `stopped`, `external` or
 * `ours <pid>`), and whose .venv has stub ruff and python (pytest or bench/latency.py).
 */
const SCRIPTS = resolve(import.meta.dirname, "../../infra/databricks/scripts");

const FAKE_NPM = `#!/usr/bin/env bash
# npm run --silent services:<cmd> [-- names...]
set -euo pipefail
[[ "$1" == run && "$2" == --silent ]] || exit 90
cmd="$3"; shift 3; [[ "\${1:-}" == -- ]] && shift
echo "$cmd $*" >> "$FAKE/calls"
state() { cat "$FAKE/$1"; }
line() {
  read -r s pid < "$FAKE/$1"
  if [[ "$s" == ours ]]; then echo "$1  $2 endpoint pid $pid healthy"; else echo "$1  $2 endpoint"; fi
}
case "$cmd" in
  services:status)
    rc=0
    for n in redis kafka; do read -r s _ < "$FAKE/$n"; line "$n" "$s"; [[ "$s" == stopped ]] && rc=3; done
    exit "$rc" ;;
  services:up)
    for n in redis kafka; do
      read -r s _ < "$FAKE/$n"
      if [[ "$s" == stopped ]]; then
        [[ "\${FAKE_UP_FAIL:-}" == "$n" ]] && { echo "$n failed to start" >&2; exit 1; }
        echo "ours $RANDOM$RANDOM" > "$FAKE/$n"; out+=("$(line "$n" started)")
      else out+=("$(line "$n" reused)"); fi
    done
    printf '%s\\n' "\${out[@]}" ;;
  services:down)
    names=("$@"); ((\${#names[@]})) || names=(redis kafka)
    for n in "\${names[@]}"; do
      read -r s _ < "$FAKE/$n"
      [[ "$s" == ours ]] && { echo stopped > "$FAKE/$n"; echo "stopped $n"; }
    done ;;
  *) exit 91 ;;
esac
`;

// Stands in for pytest or bench/latency.py: records its arguments, then does what FAKE_PYTHON says.
const FAKE_PYTHON = `#!/usr/bin/env bash
printf '%s\\n' "$@" > "$FAKE/python-args"
case "\${FAKE_PYTHON:-}" in
  restart-kafka) echo "ours 999999" > "$FAKE/kafka" ;;
  # exec: no gap between the marker and the sleep in which a Ctrl-C could reach this shell while
  # it forks, leaving a sleep that never got the signal to run out its 30 s.
  wait) touch "$FAKE/python-running"; exec sleep 30 ;;
esac
exit "\${FAKE_PYTHON_RC:-0}"
`;

type State = "stopped" | "external" | "ours";
type Script = "test.sh" | "bench.sh";

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

function scratch(script: Script, initial: Record<"redis" | "kafka", State>) {
  const root = mkdtempSync(join(tmpdir(), "dbx-scripts-"));
  dirs.push(root);
  const fake = join(root, "fake");
  const write = (path: string, text: string) => {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    chmodSync(path, 0o755);
  };
  mkdirSync(join(root, "infra/databricks/scripts"), { recursive: true });
  for (const f of [script, "own-services.sh"])
    copyFileSync(join(SCRIPTS, f), join(root, "infra/databricks/scripts", f));
  write(join(root, "infra/databricks/scripts/setup-venv.sh"), "exit 0\n");
  write(join(root, ".venv/bin/ruff"), "exit 0\n");
  write(join(root, ".venv/bin/python"), FAKE_PYTHON);
  write(join(fake, "bin/npm"), FAKE_NPM);
  for (const [name, s] of Object.entries(initial))
    write(join(fake, name), s === "ours" ? "ours 4242\n" : `${s}\n`);
  const env = (extra: Record<string, string>) => ({
    ...process.env,
    ...extra,
    FAKE: fake,
    PATH: `${join(fake, "bin")}:${process.env.PATH}`,
  });
  const args = (extra: string[]) => [join(root, "infra/databricks/scripts", script), ...extra];
  return {
    fake,
    run(extraArgs: string[] = [], extraEnv: Record<string, string> = {}) {
      const r = spawnSync("bash", args(extraArgs), { env: env(extraEnv), encoding: "utf8" });
      return { code: r.status, stderr: r.stderr };
    },
    spawn(extraEnv: Record<string, string>) {
      return spawn("bash", args([]), { env: env(extraEnv), detached: true, stdio: "ignore" });
    },
    state: (name: "redis" | "kafka") => readFileSync(join(fake, name), "utf8").trim().split(" ")[0],
    downCalls: () =>
      readFileSync(join(fake, "calls"), "utf8")
        .split("\n")
        .filter((l) => l.startsWith("services:down")),
  };
}

// What each script hands python for `args`: pytest's fixed options, or the benchmark script.
const CASES: Array<{ script: Script; args: string[]; python: string }> = [
  {
    script: "test.sh",
    args: ["--junitxml=/x/y.xml", "-m", "not e2e"],
    python: "-m\npytest\n-p\nno:cacheprovider\n--junitxml=/x/y.xml\n-m\nnot e2e\n",
  },
  {
    script: "bench.sh",
    args: ["--rate", "50", "--seconds", "10"],
    python: "bench/latency.py\n--rate\n50\n--seconds\n10\n",
  },
];

describe.each(CASES)("infra/databricks/scripts/$script", ({ script, args, python }) => {
  it("stops the services it started and passes its arguments to python", () => {
    const s = scratch(script, { redis: "stopped", kafka: "stopped" });
    const r = s.run(args);
    expect(r.code).toBe(0);
    expect(readFileSync(join(s.fake, "python-args"), "utf8")).toBe(python);
    expect(s.downCalls()).toEqual(["services:down redis kafka"]);
    expect([s.state("redis"), s.state("kafka")]).toEqual(["stopped", "stopped"]);
  });

  it("leaves services that were already running alone and keeps python's exit code", () => {
    const s = scratch(script, { redis: "ours", kafka: "external" });
    expect(s.run([], { FAKE_PYTHON_RC: "1" }).code).toBe(1);
    expect(s.downCalls()).toEqual([]);
    expect([s.state("redis"), s.state("kafka")]).toEqual(["ours", "external"]);
  });

  it("stops only the one it started", () => {
    const s = scratch(script, { redis: "ours", kafka: "stopped" });
    expect(s.run([], { FAKE_PYTHON_RC: "5" }).code).toBe(5);
    expect(s.downCalls()).toEqual(["services:down kafka"]);
    expect([s.state("redis"), s.state("kafka")]).toEqual(["ours", "stopped"]);
  });

  it("does not stop a service whose PID file names another process by the end", () => {
    const s = scratch(script, { redis: "stopped", kafka: "stopped" });
    expect(s.run([], { FAKE_PYTHON: "restart-kafka" }).code).toBe(0);
    expect(s.downCalls()).toEqual(["services:down redis"]);
    expect(s.state("kafka")).toBe("ours");
  });

  it("stops what services:up started before it failed", () => {
    const s = scratch(script, { redis: "stopped", kafka: "stopped" });
    const r = s.run([], { FAKE_UP_FAIL: "kafka" });
    expect(r.code).toBe(1);
    expect(existsSync(join(s.fake, "python-args"))).toBe(false);
    expect(s.downCalls()).toEqual(["services:down redis"]);
    expect(s.state("redis")).toBe("stopped");
  });

  it("stops what it started on Ctrl-C", async () => {
    const s = scratch(script, { redis: "stopped", kafka: "ours" });
    const child = s.spawn({ FAKE_PYTHON: "wait" });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    while (!existsSync(join(s.fake, "python-running"))) await new Promise((r) => setTimeout(r, 20));
    // Ctrl-C in a terminal signals the whole foreground process group.
    process.kill(-child.pid!, "SIGINT");
    expect(await exited).toBe(130);
    expect(s.downCalls()).toEqual(["services:down redis"]);
    expect([s.state("redis"), s.state("kafka")]).toEqual(["stopped", "ours"]);
  });
});
