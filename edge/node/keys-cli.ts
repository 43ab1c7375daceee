/**
 * Key management: `npm run keys -- <command>`.
 *
 *   create <vendor>     new key for the vendor; the key is printed once, only its hash is stored
 *   list                key ids, vendor, created, revoked (never keys or hashes)
 *   revoke <key-id>     revoke a key (requests with it get 403)
 *   export              print the stored keys as an API_KEYS_FILE (hashes only)
 *
 * Storage: Redis (REDIS_URL, default redis://127.0.0.1:6379; REDIS_CLUSTER=true for MemoryDB), or with `--file <path>` a static
 * key file for API_KEYS_FILE setups.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRedisConnection, type RedisConnection } from "../../shared/queue/redis-node.ts";
import { VENDOR_ID_PATTERN } from "../../shared/vendor-id.ts";
import type { KeyAdmin, StoredKey } from "../deps.ts";
import { parseKeyFile, StaticKeyStore } from "../key-store.ts";
import { generateApiKey } from "../keys.ts";
import { RedisKeyStore } from "./redis-key-store.ts";

/** A key file edited in place (atomic rename), for static setups. */
class FileKeyAdmin implements KeyAdmin {
  constructor(private readonly path: string) {}
  #read(): StoredKey[] {
    return existsSync(this.path) ? parseKeyFile(JSON.parse(readFileSync(this.path, "utf8"))) : [];
  }
  #write(keys: StoredKey[]): void {
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ keys }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.path);
  }
  async find(keyId: string) {
    return new StaticKeyStore(this.#read()).find(keyId);
  }
  async put(key: StoredKey) {
    this.#write([...this.#read().filter((k) => k.keyId !== key.keyId), key]);
  }
  async list() {
    return this.#read();
  }
  async revoke(keyId: string, at: string) {
    const keys = this.#read();
    const k = keys.find((x) => x.keyId === keyId);
    if (k === undefined) return false;
    this.#write(keys.map((x) => (x.keyId === keyId && !x.revokedAt ? { ...x, revokedAt: at } : x)));
    return true;
  }
}

const USAGE = "usage: npm run keys -- [--file <keys.json>] create <vendor> | list | revoke <key-id> | export";

async function main(argv: string[]): Promise<number> {
  const args = [...argv];
  let file: string | undefined;
  const f = args.indexOf("--file");
  if (f !== -1) {
    file = args[f + 1];
    args.splice(f, 2);
    if (file === undefined) return fail(USAGE);
  }
  const [command, arg] = args;
  let redis: RedisConnection | undefined;
  let admin: KeyAdmin;
  if (file !== undefined) admin = new FileKeyAdmin(file);
  else {
    // REDIS_CLUSTER=true for Amazon MemoryDB; the key hash is one key, so no hash tag is needed.
    redis = createRedisConnection(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", {
      cluster: process.env.REDIS_CLUSTER === "true",
      options: { maxRetriesPerRequest: 1 },
    });
    admin = new RedisKeyStore(redis);
  }
  try {
    switch (command) {
      case "create": {
        if (arg === undefined || !VENDOR_ID_PATTERN.test(arg))
          return fail("create <vendor>: vendor ids are lowercase letters, digits and dashes");
        const { key, stored } = await generateApiKey(arg, new Date());
        await admin.put(stored);
        console.log(`created key ${stored.keyId} for vendor ${arg}; it is shown only now:`);
        console.log(key);
        return 0;
      }
      case "list": {
        const keys = await admin.list();
        console.log(["KEY-ID", "VENDOR", "CREATED", "REVOKED"].join("\t"));
        for (const k of keys) console.log([k.keyId, k.vendor, k.createdAt, k.revokedAt ?? "-"].join("\t"));
        return 0;
      }
      case "revoke": {
        if (arg === undefined) return fail("revoke <key-id>");
        if (!(await admin.revoke(arg, new Date().toISOString()))) return fail(`no key with id ${arg}`);
        console.log(`revoked ${arg}`);
        return 0;
      }
      case "export": {
        console.log(JSON.stringify({ keys: await admin.list() }, null, 2));
        return 0;
      }
      default:
        return fail(USAGE);
    }
  } finally {
    redis?.disconnect();
  }
}

function fail(message: string): number {
  console.error(message);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`keys: ${err instanceof Error ? `${err.name}: ${err.message}` : "failed"}`);
    process.exit(1);
  },
);
