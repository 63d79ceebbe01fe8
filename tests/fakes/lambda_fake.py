#!/usr/bin/env python3
"""A small Lambda of our own, for what moto's server does not do: function
errors, throttling, slow and failing answers. It speaks Lambda's Invoke wire
protocol (REST-JSON, POST /2015-03-31/functions/NAME/invocations, see
/work/shared/aws-models/lambda.service-2.json: X-Amz-Function-Error,
X-Amz-Executed-Version, X-Amz-Log-Result, errors typed by X-Amzn-ErrorType)
on asyncio, so a thousand slow invocations wait at once without a thread
each (bench/lambda_map.py uses it too).

The function's NAME picks the behaviour:
  echo (or anything else)  answers the request payload
  error-TYPE               a function error: {"errorMessage": ..., "errorType": TYPE, ...}
  unknown                  a function error whose payload has no errorType
  throttle-N               TooManyRequestsException (429) for the first N calls, then echo
  sleep-MS                 answers the payload after MS milliseconds
  notfound                 ResourceNotFoundException (404)
  service                  ServiceException (500)
  denied                   AccessDeniedException (403), a code Lambda's model lacks
  hangup                   closes the connection without an answer
Qualifier=Q is reported back as X-Amz-Executed-Version.

Usage: lambda_fake.py [--port N] [--delay-ms MS]; prints "listening PORT".
--delay-ms delays every answer (the benchmark's 200 ms)."""
import argparse
import asyncio
import json
import sys
import urllib.parse
import uuid

COUNTS = {}
ARGS = None


def reply(status, body, headers=None):
    if isinstance(body, str):
        body = body.encode()
    h = {"Content-Type": "application/json", "Content-Length": str(len(body)),
         "x-amzn-RequestId": str(uuid.uuid4())}
    h.update(headers or {})
    reason = {200: "OK", 202: "Accepted", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error"}
    head = "HTTP/1.1 %d %s\r\n" % (status, reason.get(status, "X"))
    head += "".join("%s: %s\r\n" % kv for kv in h.items())
    return head.encode() + b"\r\n" + body


def service_error(status, kind, message):
    return reply(status, json.dumps({"Type": "User", "message": message}), {"X-Amzn-ErrorType": kind})


async def invoke(name, qualifier, headers, payload):
    version = qualifier or "$LATEST"
    ok = {"X-Amz-Executed-Version": version}
    if headers.get("x-amz-log-type") == "Tail":
        ok["X-Amz-Log-Result"] = "bG9nIGxpbmUK"  # "log line\n"
    if ARGS.delay_ms:
        await asyncio.sleep(ARGS.delay_ms / 1000)
    if name.startswith("sleep-"):
        await asyncio.sleep(int(name[6:]) / 1000)
    if name.startswith("error-"):
        # Spacing as the Python runtime writes it: the cause must keep it.
        body = '{"errorMessage": "Some exception was raised.", "errorType": "%s", "stackTrace": []}' % name[6:]
        return reply(200, body, dict(ok, **{"X-Amz-Function-Error": "Unhandled"}))
    if name == "unknown":
        return reply(200, '{"errorMessage":"Task timed out after 1.00 seconds"}',
                     dict(ok, **{"X-Amz-Function-Error": "Unhandled"}))
    if name.startswith("throttle-"):
        COUNTS[name] = COUNTS.get(name, 0) + 1
        if COUNTS[name] <= int(name[9:]):
            return service_error(429, "TooManyRequestsException", "Rate Exceeded.")
    if name == "notfound":
        return service_error(404, "ResourceNotFoundException",
                             "Function not found: arn:aws:lambda:us-east-1:123456789012:function:notfound")
    if name == "service":
        return service_error(500, "ServiceException", "The service is down.")
    if name == "denied":
        return service_error(403, "AccessDeniedException", "User is not authorized to perform: lambda:InvokeFunction")
    if name == "hangup":
        return None
    status = 200
    if headers.get("x-amz-invocation-type") == "Event":
        status, payload = 202, b""
    return reply(status, payload if status == 202 else (payload or b"{}"), ok)


async def handle(reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            method, target, _ = line.decode().split(" ", 2)
            headers = {}
            while True:
                h = (await reader.readline()).decode()
                if h in ("\r\n", "\n", ""):
                    break
                k, v = h.split(":", 1)
                headers[k.strip().lower()] = v.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            url = urllib.parse.urlsplit(target)
            parts = url.path.split("/")
            q = urllib.parse.parse_qs(url.query)
            if method != "POST" or len(parts) != 5 or parts[4] != "invocations":
                out = service_error(404, "UnknownOperationException", "Unknown operation " + url.path)
            else:
                name = urllib.parse.unquote(parts[3])
                out = await invoke(name, q.get("Qualifier", [None])[0], headers, body)
            if out is None:
                break
            writer.write(out)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ValueError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", ARGS.port, backlog=4096)
    print("listening %d" % server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--delay-ms", type=int, default=0)
    ARGS = p.parse_args()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
