"""One blocking driver call to the page (and through it to the server's driver)."""

import json

import _rslab_js

from _rslab import ejson


class DriverCallError(Exception):
    """A driver call failed; `error` is the executor's description (see runtime-host.md)."""

    def __init__(self, error):
        super().__init__(error.get("message", ""))
        self.error = error


def call(method, **params):
    """Run `method` on the server's driver; returns the decoded result or raises."""
    request = json.dumps({"method": method, "params": ejson.encode(params)})
    answer = json.loads(_rslab_js.rpc(request))
    if answer.get("interrupted"):
        _rslab_js.take_interrupt()
        raise KeyboardInterrupt
    if answer.get("ok"):
        return ejson.decode(answer.get("result", {}))
    raise DriverCallError(ejson.decode(answer.get("error") or {"name": "RpcInvalid", "message": "no error given"}))
