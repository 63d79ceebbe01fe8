#!/usr/bin/env python3
"""Sets up the ETL pipeline's AWS resources in moto's server (or any endpoint
speaking the AWS APIs) and reads what the pipeline left there.

  emulator.py setup ENDPOINT [--scenario success|no-data|job-fails|process-data]
      creates the IAM role, the Lambda functions (from lambda/*.py), the Glue
      job (glue/job.json) and crawler (glue/crawler.json), the SNS topics
      etl-notifications and etl-alerts, each with an SQS queue subscribed so
      that its messages can be read back, and scripts what the Lambda
      functions answer (moto runs no Lambda code without docker: its
      lambda-simple queue answers in order). `job-fails` gives the Glue job
      --fake-final-state FAILED, which tests/fakes/moto_glue_outcomes.py
      honours (plain moto_server has no failing job runs).
  emulator.py inbox ENDPOINT
      prints the messages the two topics delivered, as JSON.

Needs boto3 (moto brings it)."""
import argparse
import io
import json
import os
import sys
import urllib.request
import zipfile

import boto3

HERE = os.path.dirname(os.path.abspath(__file__))
REGION = "us-east-1"
RUN_DATE = "2026-11-24"


def client(endpoint, service):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION, aws_access_key_id="testing",
                        aws_secret_access_key="testing")


def moto_api(endpoint, path, doc):
    req = urllib.request.Request(endpoint + path, data=json.dumps(doc).encode(),
                                 headers={"Content-Type": "application/json"}, method="POST")
    return urllib.request.urlopen(req, timeout=10).read()


def zipped(path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.write(path, "handler.py")
    return buf.getvalue()


def role(endpoint, name):
    iam = client(endpoint, "iam")
    try:
        return iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        return iam.get_role(RoleName=name)["Role"]["Arn"]


def scripted_results(scenario):
    source = {"dataAvailable": True, "objectCount": 42, "sourcePath": "s3://acme-raw-data/events/%s/" % RUN_DATE,
              "targetBucket": "acme-curated-data", "runDate": RUN_DATE}
    if scenario == "no-data":
        return [dict(source, dataAvailable=False, objectCount=0)]
    if scenario == "job-fails":
        return [source]
    if scenario == "process-data":
        return [{"sourcePath": source["sourcePath"], "runDate": RUN_DATE}]
    return [source, {"etlStatus": "SUCCEEDED", "reason": None, "runDate": RUN_DATE,
                     "sourcePath": source["sourcePath"]}]


def setup(endpoint, scenario):
    # moto: Lambda answers from the scripted queue (no docker), and each
    # GetJobRun moves a job run one state on, so that .sync polls show it.
    moto_api(endpoint, "/moto-api/config", {"lambda": {"use_docker": False}})
    moto_api(endpoint, "/moto-api/state-manager/set-transition",
             {"model_name": "glue::job_run", "transition": {"progression": "manual", "times": 1}})
    lam = client(endpoint, "lambda")
    lambda_role = role(endpoint, "etl-lambda")
    for name, code in (("CheckSourceData", "check_source_data.py"), ("CheckETLStatus", "check_etl_status.py"),
                       ("ProcessData", "process_data.py")):
        try:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=lambda_role,
                                Handler="handler.handler", Code={"ZipFile": zipped(os.path.join(HERE, "lambda", code))},
                                Timeout=60)
        except lam.exceptions.ResourceConflictException:
            pass
    results = [json.dumps(r) for r in scripted_results(scenario)]
    moto_api(endpoint, "/moto-api/static/lambda-simple/response", {"results": results, "region": REGION})

    glue = client(endpoint, "glue")
    glue_role = role(endpoint, "glue-etl")
    with open(os.path.join(HERE, "glue", "job.json")) as f:
        job = json.load(f)
    job["Role"] = glue_role
    if scenario == "job-fails":
        job["DefaultArguments"]["--fake-final-state"] = "FAILED"
    try:
        glue.delete_job(JobName=job["Name"])
    except glue.exceptions.EntityNotFoundException:
        pass
    glue.create_job(**job)
    with open(os.path.join(HERE, "glue", "crawler.json")) as f:
        crawler = json.load(f)
    crawler["Role"] = glue_role
    try:
        glue.create_crawler(**crawler)
    except glue.exceptions.AlreadyExistsException:
        pass

    sns, sqs = client(endpoint, "sns"), client(endpoint, "sqs")
    for topic in ("etl-notifications", "etl-alerts"):
        arn = sns.create_topic(Name=topic)["TopicArn"]
        url = sqs.create_queue(QueueName=topic + "-inbox")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=qarn, Attributes={"RawMessageDelivery": "true"})
    print("emulator ready at %s: Lambda CheckSourceData, CheckETLStatus, ProcessData; Glue job %s, crawler %s; "
          "SNS etl-notifications, etl-alerts (scenario %s)" % (endpoint, job["Name"], crawler["Name"], scenario),
          file=sys.stderr)


def inbox(endpoint):
    sqs = client(endpoint, "sqs")
    out = {}
    for topic in ("etl-notifications", "etl-alerts"):
        url = sqs.get_queue_url(QueueName=topic + "-inbox")["QueueUrl"]
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        out[topic] = [m["Body"] for m in msgs]
    crawler = client(endpoint, "glue").get_crawler(Name="nightly-catalog-crawler")["Crawler"]
    out["crawler"] = {"State": crawler["State"], "LastCrawl": crawler.get("LastCrawl", {}).get("Status")}
    print(json.dumps(out, indent=2))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["setup", "inbox"])
    ap.add_argument("endpoint")
    ap.add_argument("--scenario", default="success", choices=["success", "no-data", "job-fails", "process-data"])
    a = ap.parse_args()
    if a.command == "setup":
        setup(a.endpoint, a.scenario)
    else:
        inbox(a.endpoint)


if __name__ == "__main__":
    main()
