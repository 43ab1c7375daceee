import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { silentLogger } from "../shared/log/logger.ts";
import { installShutdown } from "./shutdown.ts";

function harness(close: () => Promise<void>, timeoutMs = 5000) {
  const target = new EventEmitter();
  const exits: number[] = [];
  let closes = 0;
  installShutdown({
    close: () => {
      closes++;
      return close();
    },
    logger: silentLogger,
    timeoutMs,
    exit: (code) => exits.push(code),
    target: target as unknown as NodeJS.Process,
  });
  return { target, exits, closes: () => closes };
}

describe("installShutdown", () => {
  it("closes once on SIGTERM and exits 0 when closing finished", async () => {
    let finish!: () => void;
    const h = harness(() => new Promise<void>((r) => (finish = r)));
    h.target.emit("SIGTERM", "SIGTERM");
    await new Promise((r) => setTimeout(r, 5));
    expect(h.exits).toEqual([]); // waits for in-flight work
    finish();
    await new Promise((r) => setTimeout(r, 5));
    expect(h.exits).toEqual([0]);
    expect(h.closes()).toBe(1);
  });

  it("a second signal forces exit 130 without waiting", async () => {
    const h = harness(() => new Promise<void>(() => undefined));
    h.target.emit("SIGINT", "SIGINT");
    h.target.emit("SIGTERM", "SIGTERM");
    expect(h.exits).toEqual([130]);
    expect(h.closes()).toBe(1);
  });

  it("exits 1 when closing fails or takes longer than the timeout", async () => {
    const failing = harness(() => Promise.reject(new Error("redis gone")));
    failing.target.emit("SIGTERM", "SIGTERM");
    await new Promise((r) => setTimeout(r, 5));
    expect(failing.exits).toEqual([1]);
    const slow = harness(() => new Promise<void>(() => undefined), 20);
    slow.target.emit("SIGTERM", "SIGTERM");
    await new Promise((r) => setTimeout(r, 60));
    expect(slow.exits).toEqual([1]);
  });
});
