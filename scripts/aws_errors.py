#!/usr/bin/env python3
"""Prints a service's error table for integrations/ from its botocore model:
{ "code", "Shape" } pairs, the code being what the wire carries and the
shape the Java SDK's exception class, which Step Functions reports as
<Service>.<Shape>. Usage: scripts/aws_errors.py MODEL.service-2.json NAME"""
import json
import sys

model = json.load(open(sys.argv[1]))
name = sys.argv[2]
print("static const struct sd_aws_error %s_errors[] = {" % name)
for shape, v in sorted(model["shapes"].items()):
    if v.get("exception"):
        code = v.get("error", {}).get("code") or shape
        print('  { "%s", "%s" },' % (code, shape))
print("  { NULL, NULL },\n};")
