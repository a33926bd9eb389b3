"""Connection: PyMongo 1.8's client, as the 2010 replica-set walkthrough used it.

It connected in its constructor, never retried, and stayed on the primary it had found: the first
operation after that primary died raised AutoReconnect, and the next one looked for the new one.
`slave_okay=True` (one host only) let it talk to a member that is not primary."""

from pymongo import _errors
from pymongo.errors import AutoReconnect, ConfigurationError
from pymongo.synchronous.collection import Collection
from pymongo.synchronous.cursor import Cursor
from pymongo.synchronous.database import Database
from pymongo.synchronous.mongo_client import _BaseClient
from pymongo.uri_parser import seeds_from

# The 1.8 driver gave up after one try; a short server selection stands in for it.
_SELECTION_MILLIS = 1500
_CONNECT_MILLIS = 2000


class Connection(_BaseClient):
    _legacy = True
    _label = "Connection"
    HOST = "localhost"
    PORT = 27017

    def __init__(self, host=None, port=None, pool_size=None, auto_start_request=None, timeout=None, slave_okay=False, network_timeout=None, document_class=dict, tz_aware=False, _connect=True, **kwargs):
        seeds, database, uri_options = seeds_from(host, port)
        for key, value in uri_options.items():
            if key.lower() == "slaveok":
                slave_okay = value == "true"
        if slave_okay and len(seeds) > 1:
            raise ConfigurationError("cannot specify slave_okay for a paired or replica set connection")
        options = {
            "directConnection": bool(slave_okay) and len(seeds) == 1,
            "serverSelectionTimeoutMS": _SELECTION_MILLIS,
            "connectTimeoutMS": _CONNECT_MILLIS,
            "retryReads": False,
            "retryWrites": False,
        }
        if slave_okay:
            options["readPreference"] = "secondaryPreferred"
        super().__init__(seeds, database, options, _SELECTION_MILLIS / 1000)
        self.__slave_okay = bool(slave_okay)
        if _connect:
            # 1.8 connected here and, when it could not, raised AutoReconnect: PyMongo switched the
            # constructor to ConnectionFailure only in 2.4 (PYTHON-396, "Breaking Change In PyMongo",
            # A. Jesse Jiryu Davis, 2012-12-01).
            try:
                self.admin.command("ping")
            except AutoReconnect:
                self.close()
                raise

    def _database_class(self):
        return _LegacyDatabase

    def __repr__(self):
        seeds = self._seeds
        if len(seeds) == 1:
            return f"Connection({seeds[0][0]!r}, {seeds[0][1]!r})"
        return f"Connection({[f'{host}:{port}' for host, port in seeds]!r})"

    def __current(self):
        if self._last_server:
            return self._address(self._last_server)
        primary = self._topology().get("primary")
        if primary:
            return self._address(primary)
        return self._seeds[0]

    @property
    def host(self):
        return self.__current()[0]

    @property
    def port(self):
        return self.__current()[1]

    @property
    def nodes(self):
        servers = self._topology().get("servers") or []
        return {self._address(s["address"]) for s in servers if s["type"] != "Unknown"} or set(self._seeds)

    @property
    def slave_okay(self):
        return self.__slave_okay

    def database_names(self):
        return self.list_database_names()

    def disconnect(self):
        pass

    def end_request(self):
        pass

    def start_request(self):
        return self


class _LegacyDatabase(Database):
    def _collection_class(self):
        return _LegacyCollection

    @property
    def connection(self):
        return self.client

    def collection_names(self):
        return sorted(self.list_collection_names())


class _LegacyCursor(Cursor):
    def count(self, with_limit_and_skip=False):
        return self.collection.count_documents(self._filter())


class _LegacyCollection(Collection):
    def find(self, spec=None, fields=None, skip=0, limit=0, timeout=True, snapshot=False, tailable=False, sort=None, max_scan=None, as_class=None, slave_okay=False, **kwargs):
        return _LegacyCursor(self, spec, fields, skip, limit, sort=sort)

    def find_one(self, spec_or_id=None, *args, **kwargs):
        if spec_or_id is not None and not isinstance(spec_or_id, dict):
            spec_or_id = {"_id": spec_or_id}
        for result in self.find(spec_or_id, *args, **kwargs).limit(-1):
            return result
        return None

    def save(self, to_save, manipulate=True, safe=False, **kwargs):
        if not isinstance(to_save, dict):
            raise TypeError("cannot save object of type %s" % type(to_save))
        if "_id" not in to_save:
            return self.insert(to_save, manipulate, safe, **kwargs)
        self.update({"_id": to_save["_id"]}, to_save, True, manipulate, safe, **kwargs)
        return to_save.get("_id")

    def insert(self, doc_or_docs, manipulate=True, safe=False, check_keys=True, **kwargs):
        docs = doc_or_docs
        single = False
        if isinstance(docs, dict):
            single = True
            docs = [docs]
        if single:
            return self.insert_one(docs[0]).inserted_id
        return self.insert_many(docs).inserted_ids

    def update(self, spec, document, upsert=False, manipulate=False, safe=False, multi=False, **kwargs):
        if not isinstance(spec, dict):
            raise TypeError("spec must be an instance of dict")
        if not isinstance(document, dict):
            raise TypeError("document must be an instance of dict")
        operator = next(iter(document), "").startswith("$")
        if operator:
            result = (self.update_many if multi else self.update_one)(spec, document, upsert=upsert)
        else:
            result = self.replace_one(spec, document, upsert=upsert)
        if safe:
            raw = result.raw_result
            return {"err": None, "n": raw["n"], "ok": 1.0, "updatedExisting": raw["updatedExisting"]}
        return None

    def remove(self, spec_or_id=None, safe=False, **kwargs):
        if spec_or_id is None:
            spec_or_id = {}
        if not isinstance(spec_or_id, dict):
            spec_or_id = {"_id": spec_or_id}
        result = self.delete_many(spec_or_id)
        if safe:
            return {"err": None, "n": result.deleted_count, "ok": 1.0}
        return None

    def count(self):
        return self.count_documents({})

    def ensure_index(self, key_or_list, **kwargs):
        return self.create_index(key_or_list, **kwargs)
