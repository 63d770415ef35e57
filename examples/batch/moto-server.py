#!/usr/bin/env python3
"""moto_server (moto 5.2.1) with two of its answers made readable by the AWS SDK for Java.

Start it as moto_server itself: MOTO_DOCKER_NETWORK_MODE=host moto-server.py -H 127.0.0.1 -p 5000

moto writes two numbers as JSON floats where the AWS API models (and AWS itself) have integers, and the
Java SDK refuses a whole answer that holds one (JsonParseException: expecting VALUE_NUMBER_INT):
  1. DescribeJobs gives container.vcpus as 1.0 whenever the job definition sets resourceRequirements
     (moto's JobDefinition._get_resource_requirement returns float(value)). Every status poll would fail.
  2. GetLogEvents gives the Batch job's log events float timestamps (moto's batch models call
     unix_time_millis, which returns a float). The log tail would be unreadable.
Both are corrected here, in the local endpoint, and not in Weft's executor: against AWS there is nothing to
correct (see docs/executors/batch.md, "Where moto differs from AWS"). A fractional vCPU (0.5) stays a float,
so fractional vCPUs cannot be tried on moto.
"""
import sys

from moto.batch import models as batch_models
from moto.core.utils import unix_time_millis

_resource_requirement = batch_models.JobDefinition._get_resource_requirement


def _integral_vcpus(self, req_type, default=None):
    value = _resource_requirement(self, req_type, default)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


batch_models.JobDefinition._get_resource_requirement = _integral_vcpus
batch_models.unix_time_millis = lambda dt=None: int(unix_time_millis(dt))

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
