"""The walkthrough in PyMongo 3.11 against three sim-mongod processes.

Usage: walkthrough.py HOST P1 P2 P3 PID1 PID2 PID3. Prints one line per step; exits non-zero on failure.
"""
import os
import signal
import time

from pymongo import MongoClient
from pymongo.errors import AutoReconnect, OperationFailure

from simset import members, wait_for

addr, pids = members(3)

# Initiate through a connection to one member, with no config (the walkthrough's line).
c = MongoClient(addr[0], serverSelectionTimeoutMS=5000)
reply = c.admin.command("replSetInitiate")
assert reply["ok"] == 1.0, reply
print("initiated", reply.get("info2", ""))
# Any member may win the first election: wait until the one we initiated knows a primary.
wait_for("a primary", lambda: c.admin.command("ismaster").get("primary"))
c.close()
# Shorten elections for the rest (mongod's own knob), through a client that finds the primary.
admin = MongoClient(addr, replicaSet="foo", serverSelectionTimeoutMS=20000)
# A safe reconfig waits until the new primary's config (its term) has reached a majority: mongod
# answers CurrentConfigNotCommittedYet (308) until then. A shorter election timeout can also bring
# an election while the reconfig waits for its own commitment (PrimarySteppedDown, 189, after the
# config took effect). A script retries, as one would by hand, until the setting is in place.
def reconfig_once_committed():
    config = admin.admin.command("replSetGetConfig")["config"]
    if config.get("settings", {}).get("electionTimeoutMillis") == 1000:
        return True
    config["version"] += 1
    config.setdefault("settings", {})["electionTimeoutMillis"] = 1000
    try:
        return admin.admin.command({"replSetReconfig": config})["ok"] == 1.0
    except AutoReconnect:
        return False  # NotMasterError and friends: the primary changed; find the new one
    except OperationFailure as error:
        if error.code not in (308, 189, 10107, 11602):
            raise
        return False


deadline = time.time() + 20
while not reconfig_once_committed():
    if time.time() > deadline:
        raise SystemExit("timed out waiting for the config to commit")
    time.sleep(0.2)
admin.close()

# Connect to the set through a seed list.
rs = MongoClient(addr[:2], replicaSet="foo", serverSelectionTimeoutMS=20000)
db = rs.test
db.test.insert_one({"x": 1})
doc = db.test.find_one()
assert doc["x"] == 1, doc
wait_for("all members", lambda: len(rs.nodes) == 3)
print("connected", rs.primary is not None, len(rs.nodes))

# Kill the primary: the next read without retries, on a connection opened before, raises AutoReconnect.
quick = MongoClient(addr, replicaSet="foo", retryReads=False, serverSelectionTimeoutMS=2000)
assert quick.test.test.find_one()["x"] == 1
primary = "%s:%d" % rs.primary
victim = addr.index(primary)
os.kill(pids[victim], signal.SIGKILL)
try:
    quick.test.test.find_one()
    raise SystemExit("the first read after the kill did not fail")
except AutoReconnect as error:
    print("first read after kill: AutoReconnect", type(error).__name__)
quick.close()

# A little later the read succeeds on the new primary.
doc = wait_for("a read on the new primary", lambda: rs.test.test.find_one(), timeout=30)
assert doc["x"] == 1, doc
new_primary = "%s:%d" % rs.primary
assert new_primary != primary, (new_primary, primary)
print("failed over", primary, "->", new_primary)
rs.close()
