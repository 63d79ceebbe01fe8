"""CheckSourceData: is there new source data for tonight's ETL run?

Lists the objects under s3://<sourceBucket>/<sourcePrefix><runDate>/ and
answers the state machine with what the next states read: dataAvailable
(the Choice), sourcePath and runDate (the Glue job's arguments).

Input (the execution input): {"sourceBucket", "sourcePrefix", "targetBucket",
optionally "runDate" as YYYY-MM-DD; default: yesterday, UTC}.
"""
import datetime
import os

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    bucket = event.get("sourceBucket") or os.environ["SOURCE_BUCKET"]
    prefix = event.get("sourcePrefix", "")
    run_date = event.get("runDate") or (datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)).isoformat()
    key_prefix = "%s%s/" % (prefix, run_date)
    page = s3.list_objects_v2(Bucket=bucket, Prefix=key_prefix, MaxKeys=1000)
    objects = [o for o in page.get("Contents", []) if o["Size"] > 0]
    return {
        "dataAvailable": bool(objects),
        "objectCount": len(objects),
        "sourcePath": "s3://%s/%s" % (bucket, key_prefix),
        "targetBucket": event.get("targetBucket"),
        "runDate": run_date,
    }
