"""An operator's script written against Kafka Connect's REST API with an
independent client from PyPI (kafka-connect-py), run against `sluice worker`'s
REST server. Every call goes through the client's own methods, so its URL
building, query parameters, status-code handling and JSON parsing are what
is checked. Usage: connect-rest-client.py <base-url> [user:password] [ca-file]
Prints one JSON line: the checks that passed. Exits non-zero on the first failure.
"""
import json
import logging
import sys

from kafka_connect import KafkaConnect
from requests.exceptions import HTTPError

base = sys.argv[1]
auth = sys.argv[2] if len(sys.argv) > 2 and sys.argv[2] else None
ca = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] else True
logging.basicConfig(level=logging.WARNING)
kc = KafkaConnect(url=base, auth=auth, ssl_verify=ca)
passed = []


def check(name, cond, detail=None):
    if not cond:
        print(json.dumps({"failed": name, "detail": detail}, default=str))
        sys.exit(1)
    passed.append(name)


def http_error(fn, *args):
    try:
        fn(*args)
    except HTTPError as e:
        return e
    return None


JDBC = "io.confluent.connect.jdbc.JdbcSinkConnector"
S3 = "io.confluent.connect.s3.S3SinkConnector"
secret = "py-client-secret-42"


def jdbc(name, tasks="1"):
    return {
        "name": name,
        "config": {
            "connector.class": JDBC,
            "tasks.max": tasks,
            "topics": "orders",
            "connection.url": "jdbc:postgresql://db:5432/shop",
            "connection.user": "app",
            "connection.password": secret,
        },
    }


info = kc.get_cluster_info()
check("cluster info", set(info) == {"version", "commit", "kafka_cluster_id"}, info)

created = kc.create_connector(jdbc("py-orders", "2"))
check("create", created["name"] == "py-orders" and created["type"] == "sink", created)
check("create hides the password", created["config"]["connection.password"] == "[hidden]", created)
check("create lists tasks", created["tasks"] == [{"connector": "py-orders", "task": 0}, {"connector": "py-orders", "task": 1}], created)
kc.create_connector(jdbc("py-other"))

dup = http_error(kc.create_connector, jdbc("py-orders"))
check("create again is 409", dup is not None and dup.response.status_code == 409, dup)
check("409 body", dup.response.json() == {"error_code": 409, "message": "Connector py-orders already exists"}, dup.response.text)

check("list", sorted(kc.list_connectors()) == ["py-orders", "py-other"])
check("list by pattern", kc.list_connectors(pattern="py-o.*s$") == ["py-orders"])
expanded = kc.list_connectors(expand="status")
check("expand=status", expanded["py-orders"]["status"]["connector"]["state"] == "RUNNING", expanded)
infos = kc.list_connectors(expand="info")
check("expand=info", infos["py-other"]["info"]["config"]["connection.password"] == "[hidden]", infos)
check("filter by state", sorted(kc.list_connectors(state="running")) == ["py-orders", "py-other"])

cfg = kc.get_connector_config("py-orders")
check("get config", cfg["name"] == "py-orders" and cfg["connection.password"] == "[hidden]", cfg)
got = kc.get_connector("py-orders")
check("get connector", got["name"] == "py-orders" and len(got["tasks"]) == 2, got)

updated = kc.update_connector("py-orders", dict(jdbc("py-orders")["config"], **{"tasks.max": "1"}))
check("update", updated["config"]["tasks.max"] == "1" and updated["tasks"] == [{"connector": "py-orders", "task": 0}], updated)

status = kc.get_connector_status("py-orders")
check("status", status["name"] == "py-orders" and status["connector"]["state"] == "RUNNING" and status["type"] == "sink", status)
tasks = kc.list_connector_tasks("py-orders")
check("tasks", tasks[0]["id"] == {"connector": "py-orders", "task": 0} and tasks[0]["config"]["connection.password"] == "[hidden]", tasks)
ts = kc.get_connector_task_status("py-orders", 0)
check("task status", ts["id"] == 0 and ts["state"] == "RUNNING" and "worker_id" in ts, ts)
check("task restart", kc.restart_connector_task("py-orders", 0) is None)

kc.pause_connector("py-orders")
check("pause", kc.get_connector_status("py-orders")["connector"]["state"] == "PAUSED")
kc.resume_connector("py-orders")
check("resume", kc.get_connector_status("py-orders")["connector"]["state"] == "RUNNING")
kc.pause_all_connectors(pattern="py-.*")
check("pause all", all(v["status"]["connector"]["state"] == "PAUSED" for v in kc.list_connectors(expand="status").values()))
kc.resume_all_connectors(state="paused")
check("resume all paused", kc.list_connectors(state="paused") == {} or kc.list_connectors(state="paused") == [])

check("restart connector only (204)", kc.restart_connector("py-orders") is None)
restarted = kc.restart_connector("py-orders", include_tasks=True, only_failed=False)
check("restart with tasks (202 + status)", restarted["connector"]["state"] == "RESTARTING" and restarted["tasks"][0]["state"] == "RESTARTING", restarted)
kc.restart_all_connectors(include_tasks=True, only_failed=True, pattern="py-.*")

topics = kc.list_connector_topics("py-orders")
check("topics", topics == {"py-orders": {"topics": ["orders"]}}, topics)
kc.reset_connector_topics("py-orders")
check("topics reset", kc.list_connector_topics("py-orders") == {"py-orders": {"topics": []}})

kc.stop_connector("py-orders")
stopped = kc.get_connector_status("py-orders")
check("stop", stopped["connector"]["state"] == "STOPPED" and stopped["tasks"] == [], stopped)

plugins = kc.list_connector_plugins()
check("plugins", {p["class"] for p in plugins} == {JDBC, S3} and all(p["type"] == "sink" for p in plugins), plugins)
v = kc.validate_connector_config("JdbcSinkConnector", dict(jdbc("v")["config"], **{"tasks.max": "x", "name": "v"}))
check("validate", v["name"] == JDBC and v["error_count"] == 1 and {"definition", "value"} <= set(v["configs"][0]), v)
pw = [c for c in v["configs"] if c["value"]["name"] == "connection.password"][0]
check("validate hides the password", pw["value"]["value"] == "[hidden]", pw)
bad = [c for c in v["configs"] if c["value"]["errors"]]
check("validate names the bad key", [c["value"]["name"] for c in bad] == ["tasks.max"], bad)

kc.delete_connector("py-orders")
gone = http_error(kc.get_connector, "py-orders")
check("deleted is 404", gone is not None and gone.response.status_code == 404, gone)
check("404 body", gone.response.json() == {"error_code": 404, "message": "Connector py-orders not found"}, gone.response.text)
kc.delete_all_connectors()
check("delete all", kc.list_connectors() == [])

missing = http_error(kc.restart_connector, "nope")
check("restart unknown raises", missing is not None)

print(json.dumps({"passed": passed}))
