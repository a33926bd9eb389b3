"""What replaced 2010's AutoReconnect handling, in PyMongo 3.11 against five sim-mongod processes.

A retryable write, a transaction and a change stream each meet a kill -9 of the primary:
- the write is retried once, on the new primary, with the same transaction number (the
  Retryable Writes specification), so it succeeds without the application seeing an error;
- the transaction's network error carries TransientTransactionError, so with_transaction runs the
  callback again on the new primary and commits it once (the Convenient Transactions API);
- the change stream resumes from its last token on the new primary, so every event arrives once
  (the Change Streams specification: resumable errors).
Five members, so that after two kills three remain, a majority.

Usage: failover_features.py HOST P1..P5 PID1..PID5. Prints one line per step; exits non-zero on failure.
"""
import os
import signal
import time

from pymongo import MongoClient

from simset import members, wait_for

addr, pids = members(5)

seed = MongoClient(addr[0], serverSelectionTimeoutMS=5000)
config = {
    "_id": "foo",
    "members": [{"_id": i, "host": a} for i, a in enumerate(addr)],
    "settings": {"electionTimeoutMillis": 1000},
}
assert seed.admin.command({"replSetInitiate": config})["ok"] == 1.0
wait_for("a primary", lambda: seed.admin.command("ismaster").get("primary"))
seed.close()

client = MongoClient(addr, replicaSet="foo", retryWrites=True, w="majority", serverSelectionTimeoutMS=30000)
coll = client.test.events
wait_for("a writable primary", lambda: coll.insert_one({"_id": "warm"}).acknowledged)
killed = []


def kill_primary():
    primary = "%s:%d" % client.primary
    index = addr.index(primary)
    os.kill(pids[index], signal.SIGKILL)
    killed.append(primary)
    return primary


stream = coll.watch()
coll.insert_one({"_id": "A"})
print("change stream open, A inserted")

first = kill_primary()
coll.insert_one({"_id": "B"})  # the first attempt dies with the primary; the retry goes to the next
print("retryable insert across the failover of", first, "ok")

runs = []


def callback(session):
    runs.append(1)
    coll.insert_one({"_id": "C"}, session=session)
    if len(runs) == 1:
        kill_primary()
    coll.insert_one({"_id": "D"}, session=session)


with client.start_session() as session:
    session.with_transaction(callback)
print("transaction committed after", len(runs), "runs; killed", killed[-1])

seen = []
deadline = time.time() + 60
while len([i for i in seen if i != "warm"]) < 4 and time.time() < deadline:
    change = stream.try_next()
    if change is not None and change["operationType"] == "insert":
        seen.append(change["documentKey"]["_id"])
stream.close()
print("stream saw", ",".join(i for i in seen if i != "warm"))
ids = sorted(d["_id"] for d in coll.find({}, {"_id": 1}))
print("documents", ",".join(ids))
assert [i for i in seen if i != "warm"] == ["A", "B", "C", "D"], seen
assert ids == ["A", "B", "C", "D", "warm"], ids
assert len(runs) >= 2, runs
print("all good")
client.close()
