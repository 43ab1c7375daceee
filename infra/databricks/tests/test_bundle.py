"""The bundle, validated as far as possible without a workspace.

- every resource passes the typed models of PyPI `databricks-bundles` (unknown or mistyped
  fields are rejected there, as `databricks bundle validate` would);
- dev and prod targets exist, every `${var.*}` used is declared, required variables are named;
- the job's parameters are accepted by the pipeline's own command line and yield the Kafka
  options MSK IAM needs, so the bundle and the code cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from databricks.bundles.jobs import Job
from databricks.bundles.schemas import Schema
from databricks.bundles.volumes import Volume

from adt_pipeline.kafka_options import IAM_CALLBACK_HANDLER, IAM_LOGIN_MODULE
from adt_pipeline.main import DEFAULT_EVENT_SCHEMA, config_from_args, parser

ROOT = Path(__file__).resolve().parents[1]
VAR = re.compile(r"\$\{var\.([a-zA-Z0-9_]+)\}")
RESOURCE = re.compile(r"\$\{resources\.([a-z_]+)\.([a-zA-Z0-9_]+)\.([a-z_]+)\}")
MODELS = {"jobs": Job, "schemas": Schema, "volumes": Volume}


def load(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


@pytest.fixture(scope="module")
def bundle() -> dict[str, Any]:
    root = load(ROOT / "databricks.yml")
    resources: dict[str, dict[str, Any]] = {}
    for pattern in root.get("include", []):
        for path in sorted(ROOT.glob(pattern)):
            for kind, items in load(path).get("resources", {}).items():
                resources.setdefault(kind, {}).update(items)
    root["resources"] = resources
    return root


def test_targets_dev_and_prod(bundle: dict[str, Any]) -> None:
    targets = bundle["targets"]
    assert targets["dev"]["mode"] == "development" and targets["dev"]["default"] is True
    assert targets["prod"]["mode"] == "production"
    assert "root_path" in targets["prod"]["workspace"]


def test_resources_match_the_typed_bundle_models(bundle: dict[str, Any]) -> None:
    assert set(bundle["resources"]) == set(MODELS)
    for kind, items in bundle["resources"].items():
        for name, body in items.items():
            model = MODELS[kind].from_dict(body)
            assert model is not None, f"{kind}.{name}"


def test_typed_models_reject_a_misspelt_field(bundle: dict[str, Any]) -> None:
    job = dict(bundle["resources"]["jobs"]["adt_pipeline"])
    job["max_concurent_runs"] = 1
    with pytest.raises(ValueError, match="max_concurent_runs"):
        Job.from_dict(job)


def test_every_variable_and_resource_reference_resolves(bundle: dict[str, Any]) -> None:
    text = (ROOT / "databricks.yml").read_text() + "".join(p.read_text() for p in ROOT.glob("resources/*.yml"))
    declared = set(bundle["variables"])
    used = set(VAR.findall(text))
    assert used <= declared, f"undeclared: {used - declared}"
    for target in bundle["targets"].values():
        assert set(target.get("variables", {})) <= declared
    for kind, name, _field in RESOURCE.findall(text):
        assert name in bundle["resources"][kind], f"{kind}.{name}"
    # Without defaults: what every deployment must pass (from the CDK outputs / the workspace).
    required = {n for n, v in bundle["variables"].items() if "default" not in v}
    assert required == {"msk_bootstrap_servers", "catalog"}


def test_files_the_job_runs_exist_and_schema_is_synced(bundle: dict[str, Any]) -> None:
    job = bundle["resources"]["jobs"]["adt_pipeline"]
    [task] = job["tasks"]
    assert (ROOT / "resources" / task["spark_python_task"]["python_file"]).resolve().is_file()
    assert "../../shared/adt" in bundle["sync"]["paths"]
    assert DEFAULT_EVENT_SCHEMA.is_file()
    assert DEFAULT_EVENT_SCHEMA.resolve().parent == (ROOT / "../../shared/adt").resolve()


def job_args(bundle: dict[str, Any], **values: str) -> list[str]:
    [task] = bundle["resources"]["jobs"]["adt_pipeline"]["tasks"]
    defaults = {n: str(v.get("default", "")) for n, v in bundle["variables"].items()}
    defaults.update(values)

    def fill(s: str) -> str:
        s = VAR.sub(lambda m: defaults[m.group(1)], s)
        return RESOURCE.sub(lambda m: bundle["resources"][m.group(1)][m.group(2)][m.group(3)], s)

    resolved = [fill(str(p)) for p in task["spark_python_task"]["parameters"]]
    # Resource names may themselves hold variables.
    return [fill(p) for p in resolved]


def test_job_parameters_parse_into_uc_service_credential_options(bundle: dict[str, Any]) -> None:
    args = parser().parse_args(
        job_args(
            bundle, msk_bootstrap_servers="b-1.x.kafka.eu-west-2.amazonaws.com:9098,b-2.x:9098", catalog="hospital"
        )
    )
    config = config_from_args(args)
    assert dict(config.kafka_options) == {
        "kafka.bootstrap.servers": "b-1.x.kafka.eu-west-2.amazonaws.com:9098,b-2.x:9098",
        "databricks.serviceCredential": "adt-stream-msk",
    }
    assert config.extra_source_options == {"groupIdPrefix": "adt-stream-databricks-"}
    assert config.topics == ["adt.demo.events", "adt.demo.raw"]
    assert config.table("adt_events") == "`hospital`.`adt`.`adt_events`"
    assert config.checkpoint_location == "/Volumes/hospital/adt/checkpoints/adt_pipeline"
    assert config.trigger_interval == "1 second"


def test_job_parameters_parse_into_msk_iam_options(bundle: dict[str, Any]) -> None:
    role = "arn:aws:iam::123456789012:role/adt-stream-databricks-reader"
    args = parser().parse_args(
        job_args(
            bundle,
            msk_bootstrap_servers="b-1.x:9098",
            catalog="hospital",
            kafka_auth="msk-iam",
            reader_role_arn=role,
            topic_prefix="staging.",
            vendors="demo,st-mary",
        )
    )
    options = config_from_args(args).kafka_options
    assert options["kafka.security.protocol"] == "SASL_SSL"
    assert options["kafka.sasl.mechanism"] == "AWS_MSK_IAM"
    assert options["kafka.sasl.jaas.config"] == f'{IAM_LOGIN_MODULE} required awsRoleArn="{role}";'
    assert options["kafka.sasl.client.callback.handler.class"] == IAM_CALLBACK_HANDLER
    assert IAM_LOGIN_MODULE.startswith("shadedmskiam.")
    assert config_from_args(args).topics == [
        "staging.adt.demo.events",
        "staging.adt.demo.raw",
        "staging.adt.st-mary.events",
        "staging.adt.st-mary.raw",
    ]
