"""MongoClient (PyMongo 4): lazy connection, server discovery, retryable reads and writes.

Every operation is one call over the lab's bridge to the official MongoDB Node driver in the
server, which runs it against your sandbox; the client's own state is the handle it got back."""

from _rslab import bridge

from pymongo import _errors, common
from pymongo.errors import ConfigurationError, InvalidName, InvalidOperation
from pymongo.read_preferences import ReadPreference, _from_name
from pymongo.uri_parser import seeds_from


class _BaseClient:
    """What MongoClient and the 2010 Connection share: the handle, calls, databases."""

    _legacy = False
    _label = "MongoClient"

    def __init__(self, seeds, database, driver_options, timeout_seconds):
        self.__seeds = seeds
        self.__default_database = database
        self.__closed = False
        self.__timeout_seconds = timeout_seconds
        self.__handle = None
        self.__driver_options = driver_options
        self.__last_server = None

    # -- calls -------------------------------------------------------------------------------
    def _open(self):
        if self.__handle is None:
            params = {
                "seeds": [f"{host}:{port}" for host, port in self.__seeds],
                "options": self.__driver_options,
                "label": self._label,
            }
            if self._legacy:
                params["legacy"] = "pymongo-1.8"
            self.__handle = bridge.call("connect", **params)["client"]
        return self.__handle

    def _call(self, method, **params):
        if self.__closed and self._label == "MongoClient":
            raise InvalidOperation("Cannot use MongoClient after close")
        handle = self._open()
        try:
            result = bridge.call(method, client=handle, **params)
        except bridge.DriverCallError as failure:
            raise _errors.translate(failure.error, self._legacy, self.__timeout_seconds) from None
        if isinstance(result, dict) and result.get("servedBy"):
            self.__last_server = result["servedBy"]
        return result

    def _topology(self):
        return self._call("topology")

    @property
    def _last_server(self):
        return self.__last_server

    @property
    def _seeds(self):
        return list(self.__seeds)

    # -- databases ---------------------------------------------------------------------------
    def _database_class(self):
        from pymongo.synchronous.database import Database

        return Database

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r}. To access the {name} database, use client[{name!r}]."
            )
        return self.__getitem__(name)

    def __getitem__(self, name):
        return self._database_class()(self, name)

    def get_database(self, name=None, codec_options=None, read_preference=None, write_concern=None, read_concern=None):
        if name is None:
            if self.__default_database is None:
                raise ConfigurationError("No default database name defined or provided.")
            name = self.__default_database
        return self._database_class()(self, name)

    def get_default_database(self, default=None, **kwargs):
        if self.__default_database is None and default is None:
            raise ConfigurationError("No default database name defined or provided.")
        return self._database_class()(self, self.__default_database or default)

    def server_info(self, session=None):
        return self.admin.command("buildinfo")

    def list_database_names(self, session=None, comment=None):
        reply = self._call("listDatabases", options={"nameOnly": True})
        return [db["name"] for db in reply["document"]["databases"]]

    def list_databases(self, session=None, comment=None, **kwargs):
        from pymongo.synchronous.command_cursor import _ListCursor

        reply = self._call("listDatabases", options=kwargs)
        return _ListCursor(reply["document"]["databases"])

    def drop_database(self, name_or_database, session=None, comment=None):
        name = getattr(name_or_database, "name", name_or_database)
        if not isinstance(name, str):
            raise TypeError("name_or_database must be an instance of str or a Database")
        self._call("dropDatabase", db=name)

    def close(self):
        if self.__handle is not None and not self.__closed:
            try:
                bridge.call("close", client=self.__handle)
            except bridge.DriverCallError:
                pass
        self.__closed = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()

    def __eq__(self, other):
        if isinstance(other, _BaseClient):
            return self.__seeds == other._seeds and type(self) is type(other)
        return NotImplemented

    def __hash__(self):
        return hash(tuple(self.__seeds))

    @staticmethod
    def _address(text):
        if not text:
            return None
        host, _, port = text.rpartition(":")
        return (host, int(port))


class MongoClient(_BaseClient):
    HOST = "localhost"
    PORT = 27017

    def __init__(self, host=None, port=None, document_class=dict, tz_aware=None, connect=None, type_registry=None, **kwargs):
        seeds, database, uri_options = seeds_from(host, port)
        options, shown = common.client_options(uri_options, kwargs)
        timeout_seconds = options.get("serverSelectionTimeoutMS", 30000) / 1000
        super().__init__(seeds, database, options, timeout_seconds)
        self.__shown = shown
        read_pref = options.get("readPreference")
        self.__read_preference = _from_name(read_pref) if read_pref else ReadPreference.PRIMARY
        # PyMongo 4 starts monitoring in the background; the lab opens the driver's client now.
        if connect is not False:
            self._open()

    def __repr__(self):
        hosts = [f"{host}:{port}" for host, port in self._seeds]
        extra = "".join(f", {key}={value!r}" for key, value in self.__shown)
        return f"MongoClient(host={hosts!r}, document_class=dict, tz_aware=False, connect=True{extra})"

    @property
    def read_preference(self):
        return self.__read_preference

    @property
    def address(self):
        """The (host, port) of the primary, or of the one server of a direct connection.
        Waits for server selection, as PyMongo does, when no primary is known yet."""
        topology = self._topology()
        if topology.get("type") == "Single":
            servers = topology.get("servers") or []
            return self._address(servers[0]["address"]) if servers else None
        if topology.get("primary"):
            return self._address(topology["primary"])
        reply = self._call("runCommand", db="admin", command={"ping": 1})
        return self._address(reply.get("servedBy") or self._topology().get("primary"))

    @property
    def primary(self):
        return self._address(self._topology().get("primary"))

    @property
    def secondaries(self):
        return {self._address(s["address"]) for s in self._topology()["servers"] if s["type"] == "RSSecondary"}

    @property
    def arbiters(self):
        return {self._address(s["address"]) for s in self._topology()["servers"] if s["type"] == "RSArbiter"}

    @property
    def nodes(self):
        return frozenset(self._address(s["address"]) for s in self._topology()["servers"] if s["type"] != "Unknown")

    @property
    def is_primary(self):
        self.address
        return self._topology().get("primary") is not None

    @property
    def is_mongos(self):
        return self._topology().get("type") == "Sharded"

    @property
    def topology_description(self):
        topology = self._topology()
        return _TopologyDescription(topology)

    def start_session(self, causal_consistency=None, default_transaction_options=None, snapshot=False):
        from pymongo.synchronous.client_session import ClientSession

        options = {}
        if causal_consistency is not None:
            options["causalConsistency"] = causal_consistency
        if snapshot:
            options["snapshot"] = True
        reply = self._call("startSession", options=options)
        return ClientSession(self, reply["session"], default_transaction_options)

    def watch(self, pipeline=None, full_document=None, resume_after=None, max_await_time_ms=None, batch_size=None, **kwargs):
        from pymongo.synchronous.change_stream import ChangeStream

        return ChangeStream(self, None, None, pipeline, full_document, resume_after, max_await_time_ms, batch_size, kwargs)


class _TopologyDescription:
    def __init__(self, topology):
        self._topology = topology

    @property
    def topology_type_name(self):
        return self._topology.get("type")

    @property
    def replica_set_name(self):
        return self._topology.get("setName")

    def has_writable_server(self):
        return self._topology.get("primary") is not None

    def __repr__(self):
        servers = ", ".join(f"<ServerDescription ({s['address'].split(':')[0]!r}, {s['address'].split(':')[1]}) server_type: {s['type']}>" for s in self._topology.get("servers", []))
        return f"<TopologyDescription topology_type: {self._topology.get('type')}, servers: [{servers}]>"


def _validate_database_name(name):
    if not isinstance(name, str):
        raise TypeError(f"name must be an instance of str, not {type(name)}")
    if not name:
        raise InvalidName("database name cannot be the empty string")
    for invalid in [" ", ".", "$", "/", "\\", "\x00", '"']:
        if invalid in name:
            raise InvalidName(f"database names cannot contain the character {invalid!r}")
