/**
 * Cloudflare Workers (workerd) entry for the HL7 runtime smoke check:
 * `npx wrangler dev shared/hl7/testing/worker-smoke.ts --ip 127.0.0.1 --port <p>` then GET /.
 */
import { runHl7Smoke } from "./smoke.ts";

export default {
  fetch(): Response {
    try {
      return new Response(`hl7 runtime smoke: ${runHl7Smoke()} checks passed`);
    } catch (err) {
      return new Response(String(err), { status: 500 });
    }
  },
};
