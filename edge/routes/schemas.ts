/** OpenAPI schemas shared by the routes, generated from the one error table. */
import { z } from "@hono/zod-openapi";
import { ERROR_TABLE, PROBLEM_CONTENT_TYPE, type ProblemCode } from "../errors.ts";

const problemCodes = (Object.keys(ERROR_TABLE) as (keyof typeof ERROR_TABLE)[]).filter(
  (k) => ERROR_TABLE[k].kind === "problem",
) as ProblemCode[];

export const ProblemSchema = z
  .object({
    type: z.string().describe("link to this code's documentation"),
    title: z.string(),
    status: z.number().int(),
    code: z.enum(problemCodes as [ProblemCode, ...ProblemCode[]]),
    detail: z.string().optional(),
    requestId: z.string().optional(),
  })
  .openapi("Problem");

/**
 * OpenAPI response entries for problem codes, grouped by status, each described from the table.
 *
 * @example
 * responses: { 200: …, ...problemResponses(["missing_credentials", "rate_limited"]) }
 */
export function problemResponses(codes: readonly ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const c of codes) {
    const s = ERROR_TABLE[c].status;
    // 401 and 403 each cover all their codes, not only the one named.
    const all = problemCodes.filter((p) => ERROR_TABLE[p].status === s);
    byStatus.set(s, all);
  }
  const out: Record<
    number,
    { description: string; content: Record<string, { schema: typeof ProblemSchema }> }
  > = {};
  for (const [status, cs] of byStatus) {
    out[status] = {
      description: cs.map((c) => `\`${c}\`: ${ERROR_TABLE[c].doc}`).join(" "),
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemSchema } },
    };
  }
  return out;
}
