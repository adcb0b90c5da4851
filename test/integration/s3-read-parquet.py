"""Independent reader for the S3 sink tests: pyarrow (from PyPI, shares no
code with Sluice's writer) lists every Parquet object under a prefix and
prints its rows, Arrow schema and Parquet logical types as JSON.

usage: s3-read-parquet.py <endpoint> <bucket> <prefix> [column,column,...]
credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
"""
import base64
import datetime
import decimal
import json
import os
import sys

import pyarrow.fs as pafs
import pyarrow.parquet as pq


def plain(v):
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        # Maps read back as lists of (key, value) tuples.
        if v and all(isinstance(x, tuple) and len(x) == 2 for x in v):
            return {str(k): plain(x) for k, x in v}
        return [plain(x) for x in v]
    if isinstance(v, tuple):
        return [plain(x) for x in v]
    if isinstance(v, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(v).decode()}
    if isinstance(v, decimal.Decimal):
        return {"$decimal": str(v)}
    if isinstance(v, datetime.datetime):
        return {"$timestamp": v.isoformat(timespec="microseconds")}
    if isinstance(v, datetime.date):
        return {"$date": v.isoformat()}
    if isinstance(v, datetime.time):
        return {"$time": v.isoformat(timespec="microseconds")}
    if isinstance(v, float) and v != v:
        return {"$float": "NaN"}
    return v


def main():
    endpoint, bucket, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
    columns = sys.argv[4].split(",") if len(sys.argv) > 4 and sys.argv[4] else None
    scheme, _, host = endpoint.partition("://")
    fs = pafs.S3FileSystem(
        access_key=os.environ["AWS_ACCESS_KEY_ID"],
        secret_key=os.environ["AWS_SECRET_ACCESS_KEY"],
        endpoint_override=host,
        scheme=scheme,
        region="us-east-1",
        force_virtual_addressing=False,
    )
    infos = fs.get_file_info(pafs.FileSelector(f"{bucket}/{prefix}", recursive=True, allow_not_found=True))
    files = []
    for info in sorted(infos, key=lambda i: i.path):
        if info.type != pafs.FileType.File or not info.path.endswith(".parquet"):
            continue
        pf = pq.ParquetFile(info.path, filesystem=fs)
        table = pf.read(columns=columns)
        files.append({
            "key": info.path[len(bucket) + 1:],
            "rows": table.num_rows,
            "row_groups": pf.metadata.num_row_groups,
            "codec": pf.metadata.row_group(0).column(0).compression if pf.metadata.num_row_groups else None,
            "schema": [[f.name, str(f.type)] for f in table.schema],
            "logical": {pf.schema.column(i).path: str(pf.schema.column(i).logical_type) for i in range(len(pf.schema))},
            "metadata": {k.decode(): v.decode() for k, v in (pf.metadata.metadata or {}).items() if k.startswith(b"sluice")},
            "data": [plain(r) for r in table.to_pylist()],
        })
    json.dump({"files": files}, sys.stdout)


main()
