"""bson.json_util: dumps and loads with MongoDB Extended JSON (relaxed on output)."""

import json

from _rslab import ejson


def _relaxed(value):
    if isinstance(value, dict):
        if len(value) == 1:
            (key, item), = value.items()
            if key in ("$numberInt", "$numberLong"):
                return int(item)
            if key == "$numberDouble" and item not in ("NaN", "Infinity", "-Infinity"):
                return float(item)
        return {key: _relaxed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_relaxed(item) for item in value]
    return value


def dumps(obj, *args, **kwargs):
    return json.dumps(_relaxed(ejson.encode(obj)), *args, **kwargs)


def loads(s, *args, **kwargs):
    return ejson.decode(json.loads(s, *args, **kwargs))
