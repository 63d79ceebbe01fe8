"""CheckETLStatus: did the Glue job run produce what the catalog needs?

RunGlueETL (.sync) has already waited for the job run to end; this checks
its state and that the run wrote output for the run date, and answers with
etlStatus (the Choice reads it) plus what the notifications print.

Input: the state after RunGlueETL: {..., "runDate", "targetBucket",
"glue": {"JobName", "JobRunId", "JobRunState", "ExecutionTime"}}.
"""
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    glue = event.get("glue", {})
    status = "SUCCEEDED" if glue.get("JobRunState") == "SUCCEEDED" else "FAILED"
    reason = None
    if status == "SUCCEEDED" and event.get("targetBucket"):
        prefix = "curated/run_date=%s/" % event["runDate"]
        page = s3.list_objects_v2(Bucket=event["targetBucket"], Prefix=prefix, MaxKeys=1)
        if page.get("KeyCount", 0) == 0:
            status, reason = "FAILED", "the job run wrote nothing under s3://%s/%s" % (event["targetBucket"], prefix)
    return {
        "etlStatus": status,
        "reason": reason,
        "jobRunId": glue.get("JobRunId"),
        "runDate": event.get("runDate"),
        "sourcePath": event.get("sourcePath"),
    }
