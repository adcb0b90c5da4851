"""An operator's script for Kafka Connect's REST API, written with an
independent client from PyPI (kafka-connect-py), run against a real
`sluice worker` in two phases:
  create <base-url> <connector-json>   validate, create, wait until RUNNING
  operate <base-url> <name> <topic>    inspect, pause, resume, restart, stop, delete
Prints one JSON line with the checks that passed; exits non-zero on the first failure.
"""
import json
import sys
import time

from kafka_connect import KafkaConnect
from requests.exceptions import HTTPError

phase, base = sys.argv[1], sys.argv[2]
kc = KafkaConnect(url=base)
passed = []


def check(name, cond, detail=None):
    if not cond:
        print(json.dumps({"failed": name, "detail": detail}, default=str))
        sys.exit(1)
    passed.append(name)


def wait_state(name, state, tasks=None, timeout=90):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = kc.get_connector_status(name)
        if last["connector"]["state"] == state and (tasks is None or (len(last["tasks"]) == tasks and all(t["state"] == state for t in last["tasks"]))):
            return last
        time.sleep(0.25)
    check(f"{name} reaches {state}", False, last)


if phase == "create":
    connector = json.loads(sys.argv[3])
    name, config = connector["name"], connector["config"]
    info = kc.get_cluster_info()
    check("cluster info", {"version", "commit", "kafka_cluster_id"} <= set(info) and info["kafka_cluster_id"], info)
    plugins = kc.list_connector_plugins()
    check("JDBC sink plugin listed", any(p["class"] == config["connector.class"] and p["type"] == "sink" for p in plugins), plugins)

    bad = kc.validate_connector_config("JdbcSinkConnector", dict(config, name=name, **{"batch.max.records": "lots"}))
    check("validate reports the bad key", bad["error_count"] >= 1 and any(c["value"]["name"] == "batch.max.records" and c["value"]["errors"] for c in bad["configs"]), bad)
    good = kc.validate_connector_config("JdbcSinkConnector", dict(config, name=name))
    check("validate accepts the config", good["error_count"] == 0, [c for c in good["configs"] if c["value"]["errors"]])
    check("validate never shows a literal password", "lit-pass-e2e" not in json.dumps(good))

    created = kc.create_connector(connector)
    check("create", created["name"] == name and created["type"] == "sink", created)
    try:
        kc.create_connector(connector)
        check("create again is 409", False)
    except HTTPError as e:
        check("create again is 409", e.response.status_code == 409 and e.response.json()["error_code"] == 409, e.response.text)
    status = wait_state(name, "RUNNING", tasks=int(config.get("tasks.max", "1")))
    check("RUNNING with a worker_id per task", all(t["worker_id"] for t in status["tasks"]), status)

elif phase == "operate":
    name, topic = sys.argv[3], sys.argv[4]
    cfg = kc.get_connector_config(name)
    check("config keeps the ${env:…} placeholder as written", cfg["connection.password"] == "${env:REST_E2E_PG_PASSWORD}", cfg)
    check("config hides a literal secret", cfg["value.converter.basic.auth.user.info"] == "[hidden]", cfg)
    listed = kc.list_connectors(expand="info")
    check("expand=info", listed[name]["info"]["config"]["connection.password"] == "${env:REST_E2E_PG_PASSWORD}", listed)
    check("filter by state", name in kc.list_connectors(state="running"))
    tasks = kc.list_connector_tasks(name)
    check("tasks", [t["id"] for t in tasks] == [{"connector": name, "task": 0}], tasks)
    ts = kc.get_connector_task_status(name, 0)
    check("task status", ts["state"] == "RUNNING" and ts["id"] == 0, ts)
    topics = kc.list_connector_topics(name)
    check("active topics", topics == {name: {"topics": [topic]}}, topics)

    kc.pause_connector(name)
    wait_state(name, "PAUSED")
    check("pause", True)
    kc.resume_connector(name)
    wait_state(name, "RUNNING", tasks=1)
    check("resume", True)
    restarted = kc.restart_connector(name, include_tasks=True)
    check("restart with tasks answers the status", restarted["name"] == name and "connector" in restarted, restarted)
    wait_state(name, "RUNNING", tasks=1)
    check("restart connector only", kc.restart_connector(name) is None)
    check("task restart", kc.restart_connector_task(name, 0) is None)
    wait_state(name, "RUNNING", tasks=1)

    kc.stop_connector(name)
    stopped = wait_state(name, "STOPPED")
    check("stop leaves no tasks", stopped["tasks"] == [], stopped)
    kc.delete_connector(name)
    try:
        kc.get_connector(name)
        check("deleted is 404", False)
    except HTTPError as e:
        check("deleted is 404", e.response.status_code == 404 and e.response.json() == {"error_code": 404, "message": f"Connector {name} not found"}, e.response.text)

print(json.dumps({"passed": passed}))
