"""What the PyMongo scripts share: their arguments (HOST, then N ports, then N pids) and polling."""
import sys
import time


def members(count):
    """(addresses, pids) of the `count` members named on the command line."""
    host = sys.argv[1]
    ports = [int(p) for p in sys.argv[2:2 + count]]
    pids = [int(p) for p in sys.argv[2 + count:2 + 2 * count]]
    return ["%s:%d" % (host, p) for p in ports], pids


def wait_for(what, fn, timeout=40):
    """Poll `fn` until it returns something true; any error while polling counts as not yet."""
    deadline = time.time() + timeout
    while True:
        try:
            value = fn()
            if value:
                return value
        except Exception:  # the set is electing: connection errors and NotMaster are expected
            pass
        if time.time() > deadline:
            raise SystemExit("timed out waiting for " + what)
        time.sleep(0.2)
