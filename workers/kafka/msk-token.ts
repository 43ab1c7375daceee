import {
  type GenerateAuthTokenResponse,
  generateAuthToken,
  generateAuthTokenFromProfile,
  generateAuthTokenFromRole,
} from "aws-msk-iam-sasl-signer-js";

export interface MskTokenOptions {
  region: string;
  /** Assume this role for the signing credentials (generateAuthTokenFromRole). */
  roleArn?: string;
  roleSessionName?: string;
  /** Use this shared-config profile (generateAuthTokenFromProfile). Ignored when roleArn is set. */
  profile?: string;
  /** Renew this long before the token expires (connections opened late must not get a dying token). */
  refreshBeforeMs?: number;
  now?: () => number;
  /** For tests: the signer to call; defaults to the one the options select. */
  sign?: () => Promise<GenerateAuthTokenResponse>;
}

/** Signing the MSK token failed (no credentials, STS unreachable). Retryable: connects are retried. */
export class MskTokenError extends Error {
  override name = "MskTokenError";
  readonly retryable = true;
  constructor(options?: { cause?: unknown }) {
    super("could not sign an MSK IAM auth token", options);
  }
}

/**
 * A kafkajs `oauthBearerProvider` for MSK IAM: a SigV4-presigned `kafka-cluster:Connect` URL
 * (aws-msk-iam-sasl-signer-js), cached and renewed `refreshBeforeMs` (1 min) before it
 * expires. kafkajs asks on every new broker connection, so a cache keeps STS/IMDS calls rare;
 * concurrent callers share one signing request.
 *
 * @example
 * const sasl = { mechanism: "oauthbearer", oauthBearerProvider: mskTokenProvider({ region: "eu-west-2" }) };
 */
export function mskTokenProvider(opts: MskTokenOptions): () => Promise<{ value: string }> {
  const now = opts.now ?? Date.now;
  const refreshBeforeMs = opts.refreshBeforeMs ?? 60_000;
  const sign =
    opts.sign ??
    (() =>
      opts.roleArn
        ? generateAuthTokenFromRole({
            region: opts.region,
            awsRoleArn: opts.roleArn,
            ...(opts.roleSessionName ? { awsRoleSessionName: opts.roleSessionName } : {}),
          })
        : opts.profile
          ? generateAuthTokenFromProfile({ region: opts.region, awsProfileName: opts.profile })
          : generateAuthToken({ region: opts.region }));
  let cached: GenerateAuthTokenResponse | undefined;
  let inflight: Promise<GenerateAuthTokenResponse> | undefined;
  return async () => {
    if (cached && now() < cached.expiryTime - refreshBeforeMs) return { value: cached.token };
    inflight ??= sign()
      .then((t) => {
        cached = t;
        return t;
      })
      .catch((err: unknown) => {
        throw new MskTokenError({ cause: err });
      })
      .finally(() => {
        inflight = undefined;
      });
    return { value: (await inflight).token };
  };
}
