import * as ecr from "aws-cdk-lib/aws-ecr";
import * as ecs from "aws-cdk-lib/aws-ecs";
import type { Construct } from "constructs";

/** An ECR image URI split into what ECS and IAM need. */
export interface ImageRef {
  account: string;
  region: string;
  repositoryName: string;
  /** A tag, or `sha256:<digest>`. */
  tagOrDigest: string;
}

export class ImageUriError extends Error {
  override name = "ImageUriError";
}

/**
 * Parses `<account>.dkr.ecr.<region>.amazonaws.com/<repo>(:tag|@sha256:digest)`.
 *
 * @example parseImageUri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/adt-stream-edge:1.0.0").tagOrDigest // "1.0.0"
 */
export function parseImageUri(uri: string): ImageRef {
  const m =
    /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com\/([a-z0-9._/-]+?)(?::([\w.-]+)|@(sha256:[0-9a-f]{64}))$/.exec(
      uri,
    );
  if (!m) throw new ImageUriError("image must be an ECR URI with a tag or a sha256 digest");
  const [, account, region, repositoryName, tag, digest] = m;
  return {
    account: account ?? "",
    region: region ?? "",
    repositoryName: repositoryName ?? "",
    tagOrDigest: tag ?? digest ?? "",
  };
}

/**
 * A container image from ECR; pulling it grants the execution role access to that repository only.
 *
 * @example ecrImage(this, "EdgeImage", config.compute.edge.image)
 */
export function ecrImage(scope: Construct, id: string, uri: string): ecs.ContainerImage {
  const ref = parseImageUri(uri);
  const repo = ecr.Repository.fromRepositoryAttributes(scope, id, {
    repositoryName: ref.repositoryName,
    repositoryArn: `arn:aws:ecr:${ref.region}:${ref.account}:repository/${ref.repositoryName}`,
  });
  return ecs.ContainerImage.fromEcrRepository(repo, ref.tagOrDigest);
}
