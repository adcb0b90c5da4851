"""Independent reader for the S3 sink's JsonFormat and AvroFormat objects:
boto-free (pyarrow's S3 filesystem lists and reads), gzip and json from the
standard library, Avro container files with fastavro (from PyPI, shares no
code with Sluice's writer). Prints every object under a prefix as JSON: its
key, size, the raw text of JSON objects, and Avro files' schema, codec and
records (bytes as {"$bytes": base64}, big integers as {"$int": "digits"},
timestamps as {"$micros": "digits"}, dates as {"$days": n}).

usage: s3-read-records.py <endpoint> <bucket> <prefix>
credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""
import base64
import datetime
import decimal
import gzip
import io
import json
import os
import sys

import fastavro
import pyarrow.fs as pafs


EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, decimal.Decimal):
        return {"$decimal": str(v)}
    if isinstance(v, datetime.datetime):
        # Exact microseconds since the epoch (timestamp-millis and -micros).
        return {"$micros": str((v - EPOCH) // datetime.timedelta(microseconds=1))}
    if isinstance(v, datetime.date):
        return {"$days": (v - datetime.date(1970, 1, 1)).days}
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"$int": str(v)}
    if isinstance(v, float):
        return v if v == v else {"$float": "NaN"}
    return {"$repr": repr(v)}


def main():
    endpoint, bucket, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    scheme, _, host = endpoint.partition("://")
    fs = pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"], secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        endpoint_override=host, scheme=scheme, region="us-east-1", force_virtual_addressing=False,
    )
    infos = fs.get_file_info(pafs.FileSelector(f"{bucket}/{prefix}", recursive=True, allow_not_found=True))
    out = []
    for info in sorted(infos, key=lambda i: i.path):
        if info.type != pafs.FileType.File:
            continue
        key = info.path[len(bucket) + 1:]
        # compression=None: the object's own bytes (pyarrow would gunzip .gz by itself).
        with fs.open_input_stream(info.path, compression=None) as f:
            data = f.read()
        entry = {"key": key, "size": len(data)}
        if key.endswith(".json.gz"):
            entry["gzip"] = data[:2] == b"\x1f\x8b"
            entry["text"] = gzip.decompress(data).decode("utf-8")
        elif key.endswith(".json"):
            entry["text"] = data.decode("utf-8")
        elif key.endswith(".avro"):
            reader = fastavro.reader(io.BytesIO(data))
            entry["codec"] = reader.codec
            entry["schema"] = reader.writer_schema
            # The header's schema as written (fastavro's writer_schema is its parsed, normalised form).
            text = reader.metadata.get("avro.schema")
            entry["schema_text"] = text.decode("utf-8") if isinstance(text, bytes) else text
            entry["records"] = [plain(r) for r in reader]
        out.append(entry)
    json.dump({"objects": out}, sys.stdout)


main()
