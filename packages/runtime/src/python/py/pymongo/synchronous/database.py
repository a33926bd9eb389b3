"""Database: a name on a client; attribute and item access give collections."""

from bson.son import SON

from pymongo.errors import InvalidName, OperationFailure


class Database:
    def __init__(self, client, name, codec_options=None, read_preference=None, write_concern=None, read_concern=None):
        if not isinstance(name, str):
            raise TypeError(f"name must be an instance of str, not {type(name)}")
        if name != "$external":
            if not name:
                raise InvalidName("database name cannot be the empty string")
            for invalid in [" ", ".", "$", "/", "\\", "\x00", '"']:
                if invalid in name:
                    raise InvalidName(f"database names cannot contain the character {invalid!r}")
        self.__client = client
        self.__name = name

    def _collection_class(self):
        from pymongo.synchronous.collection import Collection

        return Collection

    @property
    def client(self):
        return self.__client

    @property
    def name(self):
        return self.__name

    def __repr__(self):
        return f"Database({self.__client!r}, {self.__name!r})"

    def __eq__(self, other):
        if isinstance(other, Database):
            return self.__client == other.client and self.__name == other.name
        return NotImplemented

    def __hash__(self):
        return hash((self.__client, self.__name))

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(
                f"Database has no attribute {name!r}. To access the {name} collection, use database[{name!r}]."
            )
        return self.__getitem__(name)

    def __getitem__(self, name):
        return self._collection_class()(self, name)

    def __call__(self, *args, **kwargs):
        raise TypeError(
            f"'Database' object is not callable. If you meant to call the '{self.__name}' method on a "
            f"'{type(self.__client).__name__}' object it is failing because no such method exists."
        )

    def __iter__(self):
        return self

    def __next__(self):
        raise TypeError("'Database' object is not iterable")

    def __bool__(self):
        raise NotImplementedError(
            "Database objects do not implement truth value testing or bool(). Please compare with None instead: database is not None"
        )

    def get_collection(self, name, codec_options=None, read_preference=None, write_concern=None, read_concern=None):
        return self._collection_class()(self, name)

    def command(self, command, value=1, check=True, allowable_errors=None, read_preference=None, codec_options=None, session=None, comment=None, **kwargs):
        if isinstance(command, str):
            spec = SON([(command, value)])
        elif isinstance(command, dict):
            spec = SON(command)
        else:
            raise TypeError(f"command must be an instance of str or dict, not {type(command)}")
        spec.update(kwargs)
        if comment is not None:
            spec["comment"] = comment
        options = {}
        if read_preference is not None:
            options["readPreference"] = read_preference.mongos_mode
        if session is not None:
            options["session"] = session._handle
        try:
            reply = self.__client._call("runCommand", db=self.__name, command=dict(spec), options=options)
        except OperationFailure as failure:
            if check and not (allowable_errors and (failure.details or {}).get("errmsg") in allowable_errors):
                raise
            return failure.details
        return reply["document"]

    def list_collection_names(self, session=None, filter=None, comment=None, **kwargs):
        reply = self.__client._call("listCollections", db=self.__name, filter=filter or {}, options={"nameOnly": True})
        return [entry["name"] for entry in reply["collections"]]

    def list_collections(self, session=None, filter=None, comment=None, **kwargs):
        from pymongo.synchronous.command_cursor import _ListCursor

        reply = self.__client._call("listCollections", db=self.__name, filter=filter or {}, options=kwargs)
        return _ListCursor(reply["collections"])

    def create_collection(self, name, codec_options=None, read_preference=None, write_concern=None, read_concern=None, session=None, check_exists=True, **kwargs):
        command = {"create": name}
        command.update(kwargs)
        self.command(command)
        return self[name]

    def drop_collection(self, name_or_collection, session=None, comment=None, encrypted_fields=None):
        name = getattr(name_or_collection, "name", name_or_collection)
        return self.__client._call("dropCollection", db=self.__name, coll=name)

    def aggregate(self, pipeline, session=None, **kwargs):
        from pymongo.synchronous.command_cursor import CommandCursor

        return CommandCursor._run(self.__client, "aggregate", {"db": self.__name, "coll": None, "pipeline": list(pipeline), "options": kwargs})

    def watch(self, pipeline=None, full_document=None, resume_after=None, max_await_time_ms=None, batch_size=None, **kwargs):
        from pymongo.synchronous.change_stream import ChangeStream

        return ChangeStream(self.__client, self.__name, None, pipeline, full_document, resume_after, max_await_time_ms, batch_size, kwargs)

    def dereference(self, dbref, session=None, comment=None, **kwargs):
        return self[dbref.collection].find_one({"_id": dbref.id})
