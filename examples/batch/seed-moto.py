#!/usr/bin/env python3
"""Seeds a local AWS Batch endpoint (moto_server) with what SubmitJob needs before it accepts a job:
an IAM role, an UNMANAGED compute environment whose serviceRole is that role, and a job queue on it.
Idempotent: what exists already is left as it is. Prints the job queue's name.

Job definitions are not seeded: tasks that give `batch.image` get one registered by the executor itself.
Pass --definition NAME=IMAGE to register one for tasks that name `batch.jobDefinition`.

Usage: seed-moto.py --endpoint http://127.0.0.1:5000 [--region us-east-1] [--queue weft-queue]
                    [--definition etl-def=weft-test/busybox:1]...
"""
import argparse
import sys

import boto3


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--queue", default="weft-queue")
    p.add_argument("--compute-environment", default="weft-local-ce")
    p.add_argument("--definition", action="append", default=[], metavar="NAME=IMAGE")
    a = p.parse_args()
    kw = dict(endpoint_url=a.endpoint, region_name=a.region, aws_access_key_id="local", aws_secret_access_key="local")
    iam = boto3.client("iam", **kw)
    batch = boto3.client("batch", **kw)

    role_name = "weft-batch-service-role"
    try:
        role = iam.get_role(RoleName=role_name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        role = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=(
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"batch.amazonaws.com"},'
            '"Action":"sts:AssumeRole"}]}'))["Role"]["Arn"]

    envs = batch.describe_compute_environments(computeEnvironments=[a.compute_environment])["computeEnvironments"]
    if envs:
        ce = envs[0]["computeEnvironmentArn"]
    else:
        # UNMANAGED: moto runs each job as a container of the local Docker engine; no instances are modelled.
        ce = batch.create_compute_environment(computeEnvironmentName=a.compute_environment, type="UNMANAGED",
                                              state="ENABLED", serviceRole=role)["computeEnvironmentArn"]

    if not batch.describe_job_queues(jobQueues=[a.queue])["jobQueues"]:
        batch.create_job_queue(jobQueueName=a.queue, state="ENABLED", priority=1,
                               computeEnvironmentOrder=[{"order": 1, "computeEnvironment": ce}])

    for d in a.definition:
        name, _, image = d.partition("=")
        if not image:
            sys.exit(f"--definition {d}: write NAME=IMAGE")
        batch.register_job_definition(jobDefinitionName=name, type="container", retryStrategy={"attempts": 1},
                                      containerProperties={"image": image, "resourceRequirements": [
                                          {"type": "VCPU", "value": "1"}, {"type": "MEMORY", "value": "256"}]})
    print(a.queue)


if __name__ == "__main__":
    main()
