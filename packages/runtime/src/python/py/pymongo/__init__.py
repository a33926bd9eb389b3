"""The lab's PyMongo: PyMongo 4's API (MongoClient) and PyMongo 1.8's Connection, written in
Python for the lab; every operation runs through the official driver on the lab's server."""

ASCENDING = 1
DESCENDING = -1
GEO2D = "2d"
GEOSPHERE = "2dsphere"
HASHED = "hashed"
TEXT = "text"

version_tuple = (4, 10, 1)
version = __version__ = "4.10.1"


def get_version_string():
    return __version__


def has_c():
    return False


from pymongo import errors  # noqa: E402
from pymongo.read_preferences import ReadPreference  # noqa: E402
from pymongo.write_concern import WriteConcern  # noqa: E402
from pymongo.operations import DeleteMany, DeleteOne, IndexModel, InsertOne, ReplaceOne, UpdateMany, UpdateOne  # noqa: E402
from pymongo.synchronous.mongo_client import MongoClient  # noqa: E402
from pymongo.synchronous.database import Database  # noqa: E402
from pymongo.synchronous.collection import Collection  # noqa: E402
from pymongo.synchronous.cursor import Cursor  # noqa: E402
from pymongo.synchronous.command_cursor import CommandCursor  # noqa: E402
from pymongo.connection import Connection  # noqa: E402


class ReturnDocument:
    BEFORE = False
    AFTER = True


__all__ = [
    "ASCENDING", "DESCENDING", "GEO2D", "GEOSPHERE", "HASHED", "TEXT", "MongoClient", "Connection",
    "ReadPreference", "WriteConcern", "ReturnDocument", "InsertOne", "UpdateOne", "UpdateMany",
    "ReplaceOne", "DeleteOne", "DeleteMany", "IndexModel", "errors", "version", "version_tuple",
]
