import type { z } from "zod";

/** The environment of a deployable is invalid; the message names each bad variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join("; ")}`);
  }
}

/**
 * Parses an environment with a zod schema, once, at a deployable's entry. Values are never
 * echoed (a REDIS_URL may hold a password): only variable names and what was expected.
 *
 * @example
 * const env = parseEnv(EdgeEnvSchema, process.env); // throws ConfigError("invalid configuration: PORT: ...")
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.infer<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  throw new ConfigError(r.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`));
}
