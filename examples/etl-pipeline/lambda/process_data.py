"""ProcessData: prepares the batch the short pipeline's Glue job transforms.

Answers with the Glue job's arguments: sourcePath and runDate (default:
yesterday, UTC).
"""
import datetime


def handler(event, context):
    run_date = event.get("runDate") or (datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)).isoformat()
    bucket = event.get("sourceBucket", "acme-raw-data")
    prefix = event.get("sourcePrefix", "events/")
    return {"sourcePath": "s3://%s/%s%s/" % (bucket, prefix, run_date), "runDate": run_date}
