"""Kafka source options for the three ways the pipeline reaches a broker.

- ``plaintext``: the local broker (tests, benchmark).
- ``msk_iam``: MSK with IAM auth through the MSK IAM library that Databricks Runtime ships shaded
  (``shadedmskiam.``), assuming ``role_arn`` (the CDK output) from the cluster's instance profile.
- ``uc_service_credential``: MSK with a Unity Catalog service credential (DBR 16.1+; what
  Databricks recommends, and the only option on serverless and standard-access compute). The
  credential wraps the same IAM role; Databricks sets the SASL options itself, so none are given.

Topic names follow the Kafka contract: ``{prefix}adt.{vendor}.{events|raw}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

AuthMode = Literal["plaintext", "msk-iam", "uc-service-credential"]

_VENDOR = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PREFIX = re.compile(r"^[a-zA-Z0-9._-]*$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")

IAM_LOGIN_MODULE = "shadedmskiam.software.amazon.msk.auth.iam.IAMLoginModule"
IAM_CALLBACK_HANDLER = "shadedmskiam.software.amazon.msk.auth.iam.IAMClientCallbackHandler"


class KafkaConfigError(ValueError):
    """A Kafka setting is invalid; the message names the setting, never a secret."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.name = "KafkaConfigError"


def topic_name(prefix: str, vendor: str, kind: str) -> str:
    """The one Python twin of ``shared/kafka/topics.ts`` ``topicName``.

    >>> topic_name("", "st-mary", "events")
    'adt.st-mary.events'
    """
    if not _VENDOR.match(vendor):
        raise KafkaConfigError(f"vendor id {vendor!r} is not valid in a topic name")
    if not _PREFIX.match(prefix):
        raise KafkaConfigError("topic prefix may hold only letters, digits, dot, dash and underscore")
    return f"{prefix}adt.{vendor}.{kind}"


def topics(prefix: str, vendors: Iterable[str], kinds: Sequence[str] = ("events", "raw")) -> list[str]:
    """Every topic the pipeline subscribes to, vendors in the order given."""
    out = [topic_name(prefix, v, k) for v in vendors for k in kinds]
    if not out:
        raise KafkaConfigError("at least one vendor must be configured")
    return out


def source_options(
    bootstrap_servers: str,
    auth: AuthMode,
    *,
    role_arn: str | None = None,
    service_credential: str | None = None,
) -> dict[str, str]:
    """Options for ``spark.readStream.format("kafka")`` without the topic selection.

    >>> source_options("b-1.msk:9098", "msk-iam")["kafka.sasl.mechanism"]
    'AWS_MSK_IAM'
    """
    servers = [s.strip() for s in bootstrap_servers.split(",") if s.strip()]
    if not servers or any(not re.match(r"^[^\s:]+:\d+$", s) for s in servers):
        raise KafkaConfigError("bootstrap servers must be a comma-separated list of host:port")
    options = {"kafka.bootstrap.servers": ",".join(servers)}
    if auth == "plaintext":
        return options
    if auth == "uc-service-credential":
        if not service_credential:
            raise KafkaConfigError("auth uc-service-credential needs a service credential name")
        options["databricks.serviceCredential"] = service_credential
        return options
    if auth == "msk-iam":
        jaas = f"{IAM_LOGIN_MODULE} required"
        if role_arn:
            if not _ROLE_ARN.match(role_arn):
                raise KafkaConfigError("role ARN must look like arn:aws:iam::<account>:role/<name>")
            jaas += f' awsRoleArn="{role_arn}"'
        options.update(
            {
                "kafka.security.protocol": "SASL_SSL",
                "kafka.sasl.mechanism": "AWS_MSK_IAM",
                "kafka.sasl.jaas.config": f"{jaas};",
                "kafka.sasl.client.callback.handler.class": IAM_CALLBACK_HANDLER,
            }
        )
        return options
    raise KafkaConfigError(f"unknown Kafka auth mode {auth!r}")
