"""Canonical Extended JSON, the RPC's value format: keeps int32, int64 and double apart."""

import base64
import datetime
import math
import re
import uuid

from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from bson.int64 import Int64
from bson.decimal128 import Decimal128
from bson.binary import Binary
from bson.regex import Regex
from bson.min_key import MinKey
from bson.max_key import MaxKey
from bson.tz_util import utc

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=utc)


def _double(value):
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def encode(value):
    """Python value → canonical EJSON (plain JSON-able Python)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return value
    if isinstance(value, Int64):
        return {"$numberLong": str(int(value))}
    if isinstance(value, int):
        if _INT32_MIN <= value <= _INT32_MAX:
            return {"$numberInt": str(value)}
        if _INT64_MIN <= value <= _INT64_MAX:
            return {"$numberLong": str(value)}
        raise OverflowError("BSON can only handle up to 8-byte ints")
    if isinstance(value, float):
        return {"$numberDouble": _double(value)}
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                from bson.errors import InvalidDocument

                raise InvalidDocument(f"documents must have only string keys, key was {key!r}")
            out[key] = encode(item)
        return out
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, ObjectId):
        return {"$oid": str(value)}
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=utc)
        millis = (value - _EPOCH) // datetime.timedelta(milliseconds=1)
        return {"$date": {"$numberLong": str(millis)}}
    if isinstance(value, Timestamp):
        return {"$timestamp": {"t": value.time, "i": value.inc}}
    if isinstance(value, Decimal128):
        return {"$numberDecimal": str(value)}
    if isinstance(value, Binary):
        return {"$binary": {"base64": base64.b64encode(bytes(value)).decode(), "subType": f"{value.subtype:02x}"}}
    if isinstance(value, uuid.UUID):
        return {"$binary": {"base64": base64.b64encode(value.bytes).decode(), "subType": "04"}}
    if isinstance(value, (bytes, bytearray)):
        return {"$binary": {"base64": base64.b64encode(bytes(value)).decode(), "subType": "00"}}
    if isinstance(value, Regex):
        return {"$regularExpression": {"pattern": value.pattern, "options": value.flags_str()}}
    if isinstance(value, re.Pattern):
        return {"$regularExpression": {"pattern": value.pattern, "options": Regex.from_native(value).flags_str()}}
    if isinstance(value, MinKey):
        return {"$minKey": 1}
    if isinstance(value, MaxKey):
        return {"$maxKey": 1}
    from bson.errors import InvalidDocument

    raise InvalidDocument(f"cannot encode object: {value!r}, of type: {type(value)!r}")


def _decode_dict(value):
    if len(value) in (1, 2):
        keys = list(value)
        first = keys[0]
        if first.startswith("$"):
            item = value[first]
            if first == "$numberInt":
                return int(item)
            if first == "$numberLong":
                return Int64(int(item))
            if first == "$numberDouble":
                return float(item.replace("Infinity", "inf"))
            if first == "$oid":
                return ObjectId(item)
            if first == "$date":
                millis = int(item["$numberLong"]) if isinstance(item, dict) else int(item)
                return datetime.datetime(1970, 1, 1) + datetime.timedelta(milliseconds=millis)
            if first == "$timestamp":
                return Timestamp(item["t"], item["i"])
            if first == "$numberDecimal":
                return Decimal128(item)
            if first == "$binary":
                data = base64.b64decode(item["base64"])
                subtype = int(item["subType"], 16)
                if subtype == 0:
                    return data
                if subtype == 4:
                    return Binary(data, 4)
                return Binary(data, subtype)
            if first == "$regularExpression":
                return Regex(item["pattern"], item["options"])
            if first == "$minKey":
                return MinKey()
            if first == "$maxKey":
                return MaxKey()
    return {key: decode(item) for key, item in value.items()}


def decode(value):
    """Canonical EJSON → Python values as PyMongo decodes BSON."""
    if isinstance(value, dict):
        return _decode_dict(value)
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value
