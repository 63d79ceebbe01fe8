"""The nightly-etl Glue job (Glue 4.0, Spark): reads the day's raw JSON
events, keeps well-formed ones, and writes them as Parquet partitioned by
run date under s3://<target_bucket>/curated/, where the crawler finds them.

Arguments: --source_path s3://.../events/YYYY-MM-DD/  --run_date YYYY-MM-DD
           --target_bucket NAME (a default argument of the job, job.json)
"""
import sys

from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext
from pyspark.sql import functions as F

args = getResolvedOptions(sys.argv, ["JOB_NAME", "source_path", "run_date", "target_bucket"])
glue = GlueContext(SparkContext.getOrCreate())
job = Job(glue)
job.init(args["JOB_NAME"], args)

events = glue.spark_session.read.json(args["source_path"])
clean = (
    events.where(F.col("event_id").isNotNull() & F.col("event_time").isNotNull())
    .dropDuplicates(["event_id"])
    .withColumn("run_date", F.lit(args["run_date"]))
)
clean.write.mode("overwrite").partitionBy("run_date").parquet("s3://%s/curated/" % args["target_bucket"])
job.commit()
