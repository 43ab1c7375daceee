/**
 * Pre-generates all traffic of a run before the clock starts (the generator then costs no CPU
 * while the system is measured): messages spread over vendors round-robin, each vendor's
 * triggers restricted to what its profile accepts, some messages grouped into FHS/BHS batches.
 */
import type { VendorProfile } from "../../shared/adt/profile.ts";
import { isAccepted } from "../../shared/adt/profile.ts";
import { generateMessage, mixSampler, styleFor, wrapBatch } from "./generate.ts";
import type { ControlIds, Ledger } from "./ledger.ts";
import { createRng } from "./rng.ts";
import type { PreparedRequest } from "./sender.ts";

export interface TrafficOptions {
  messages: number;
  vendors: readonly string[];
  profiles: ReadonlyMap<string, VendorProfile>;
  mix: Readonly<Record<string, number>>;
  /** Fraction of messages sent inside batches (0–1). */
  batchFraction: number;
  batchSize: number;
  seed: number;
  ids: ControlIds;
  ledger: Ledger;
  now?: Date;
}

export class TrafficError extends Error {
  override name = "TrafficError";
}

/**
 * @example
 * const requests = generateTraffic({ messages: 1000, vendors: ["demo"], profiles, mix: DEFAULT_MIX, batchFraction: 0.05, batchSize: 10, seed: 1, ids, ledger });
 */
export function generateTraffic(o: TrafficOptions): { requests: PreparedRequest[]; bytes: number } {
  const rng = createRng(o.seed);
  const now = o.now ?? new Date();
  const vendors = o.vendors.map((vendor, position) => {
    const profile = o.profiles.get(vendor);
    if (!profile) throw new TrafficError(`vendor ${vendor} has no profile in the vendor profiles file`);
    const mix = Object.fromEntries(Object.entries(o.mix).filter(([t]) => isAccepted(profile, "ADT", t)));
    if (!Object.keys(mix).length)
      throw new TrafficError(`vendor ${vendor} accepts none of the triggers of the mix`);
    return { vendor, style: styleFor(vendor, position, profile.sendingFacilities), sample: mixSampler(mix) };
  });
  const requests: PreparedRequest[] = [];
  let bytes = 0;
  let i = 0;
  let batchNo = 0;
  while (i < o.messages) {
    const v = requests.length % vendors.length;
    const vendor = vendors[v] as (typeof vendors)[number];
    const asBatch = o.batchSize > 1 && rng.chance(o.batchFraction / o.batchSize);
    const count = asBatch ? Math.min(o.batchSize, o.messages - i) : 1;
    const texts: string[] = [];
    for (let k = 0; k < count; k++) {
      const index = i + k;
      // Spread event times over the last hour, as a replayed feed would have them.
      const at = new Date(now.getTime() - rng.int(0, 3600) * 1000);
      texts.push(generateMessage(rng, vendor.style, o.ids.make(index), vendor.sample(rng), at).text);
      o.ledger.vendorIndex[index] = v;
    }
    const text =
      count > 1 ? wrapBatch(vendor.style, `${o.ids.prefix}B${batchNo++}`, texts, now) : (texts[0] as string);
    const body = Buffer.from(text, "utf8");
    bytes += body.length;
    requests.push({ body, vendor: v, first: i, count });
    i += count;
  }
  return { requests, bytes };
}
