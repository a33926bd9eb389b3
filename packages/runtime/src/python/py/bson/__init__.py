"""BSON types as PyMongo's `bson` package has them (our own implementation for the lab)."""

from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from bson.int64 import Int64
from bson.decimal128 import Decimal128
from bson.binary import Binary
from bson.regex import Regex
from bson.min_key import MinKey
from bson.max_key import MaxKey
from bson.son import SON
from bson.errors import BSONError, InvalidBSON, InvalidDocument, InvalidId

__all__ = [
    "ObjectId", "Timestamp", "Int64", "Decimal128", "Binary", "Regex", "MinKey", "MaxKey", "SON",
    "BSONError", "InvalidBSON", "InvalidDocument", "InvalidId",
]
