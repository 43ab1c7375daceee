/** A local service could not be provided; the message says what to do about it. */
export class LocalServiceError extends Error {
  override name = "LocalServiceError";
  constructor(
    readonly service: "redis" | "kafka",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${service}: ${message}`, options);
  }
}
