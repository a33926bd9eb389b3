"""Collection: CRUD, aggregation, indexes and change streams, as in PyMongo 4."""

from collections.abc import Mapping

from bson.objectid import ObjectId
from bson.son import SON

from pymongo.errors import InvalidName, InvalidOperation
from pymongo.results import BulkWriteResult, DeleteResult, InsertManyResult, InsertOneResult, UpdateResult

_DOCUMENT_TYPE_ERROR = (
    "document must be an instance of dict, bson.son.SON, bson.raw_bson.RawBSONDocument, "
    "or a type that inherits from collections.MutableMapping"
)


def _check_document(document):
    if not isinstance(document, Mapping):
        raise TypeError(_DOCUMENT_TYPE_ERROR)


def _check_filter(filter):
    if not isinstance(filter, Mapping):
        raise TypeError("filter must be an instance of dict, bson.son.SON, or any other type that inherits from collections.Mapping")


def _check_update(update):
    if isinstance(update, Mapping):
        if not update:
            raise ValueError("update cannot be empty")
        first = next(iter(update))
        if not first.startswith("$"):
            raise ValueError("update only works with $ operators")
    elif isinstance(update, list):
        if not update:
            raise ValueError("update cannot be empty")
    else:
        raise TypeError("update must be an instance of dict, bson.son.SON, or any other type that inherits from collections.Mapping, or a list")


def _check_replacement(replacement):
    _check_document(replacement)
    if replacement and next(iter(replacement)).startswith("$"):
        raise ValueError("replacement can not include $ operators")


def _session(options, session):
    if session is not None:
        options["session"] = session._handle
    return options


def _update_raw(reply):
    matched = reply.get("matchedCount", 0)
    upserted = reply.get("upsertedId")
    raw = {"n": matched + (1 if upserted is not None else 0), "nModified": reply.get("modifiedCount", 0)}
    if upserted is not None:
        raw["upserted"] = upserted
    raw["ok"] = 1.0
    raw["updatedExisting"] = matched > 0 and upserted is None
    return raw


class Collection:
    def __init__(self, database, name, create=False, codec_options=None, read_preference=None, write_concern=None, read_concern=None, session=None, **kwargs):
        if not isinstance(name, str):
            raise TypeError(f"name must be an instance of str, not {type(name)}")
        if not name or ".." in name:
            raise InvalidName("collection names cannot be empty")
        if "$" in name and not (name.startswith("oplog.$main") or name.startswith("$cmd")):
            raise InvalidName(f"collection names must not contain '$': {name!r}")
        if name[0] == "." or name[-1] == ".":
            raise InvalidName(f"collection names must not start or end with '.': {name!r}")
        if "\x00" in name:
            raise InvalidName("collection names must not contain the null character")
        self.__database = database
        self.__name = name
        if create:
            database.create_collection(name, **kwargs)

    @property
    def database(self):
        return self.__database

    @property
    def name(self):
        return self.__name

    @property
    def full_name(self):
        return f"{self.__database.name}.{self.__name}"

    def __repr__(self):
        return f"Collection({self.__database!r}, {self.__name!r})"

    def __eq__(self, other):
        if isinstance(other, Collection):
            return self.__database == other.database and self.__name == other.name
        return NotImplemented

    def __hash__(self):
        return hash((self.__database, self.__name))

    def __bool__(self):
        raise NotImplementedError(
            "Collection objects do not implement truth value testing or bool(). Please compare with None instead: collection is not None"
        )

    def __getattr__(self, name):
        if name.startswith("_"):
            full_name = f"{self.__name}.{name}"
            raise AttributeError(
                f"Collection has no attribute {name!r}. To access the {full_name} collection, use database['{full_name}']."
            )
        return self.__getitem__(name)

    def __getitem__(self, name):
        return type(self)(self.__database, f"{self.__name}.{name}")

    def __call__(self, *args, **kwargs):
        if "." not in self.__name:
            raise TypeError(
                f"'Collection' object is not callable. If you meant to call the '{self.__name}' method on a 'Database' object it is failing because no such method exists."
            )
        raise TypeError(
            f"'Collection' object is not callable. If you meant to call the '{self.__name.split('.')[-1]}' method on a 'Collection' object it is failing because no such method exists."
        )

    def __iter__(self):
        return self

    def __next__(self):
        raise TypeError("'Collection' object is not iterable")

    def _call(self, method, **params):
        return self.__database.client._call(method, db=self.__database.name, coll=self.__name, **params)

    # -- writes --------------------------------------------------------------------------------
    def insert_one(self, document, bypass_document_validation=None, session=None, comment=None):
        _check_document(document)
        if "_id" not in document:
            document["_id"] = ObjectId()
        options = _session({}, session)
        if bypass_document_validation:
            options["bypassDocumentValidation"] = True
        if comment is not None:
            options["comment"] = comment
        reply = self._call("insertOne", doc=dict(document), options=options)
        return InsertOneResult(document["_id"], reply.get("acknowledged", True))

    def insert_many(self, documents, ordered=True, bypass_document_validation=None, session=None, comment=None):
        if not isinstance(documents, (list, tuple)) and not hasattr(documents, "__iter__") or isinstance(documents, Mapping) or not documents:
            raise TypeError("documents must be a non-empty list")
        docs = []
        ids = []
        for document in documents:
            _check_document(document)
            if "_id" not in document:
                document["_id"] = ObjectId()
            ids.append(document["_id"])
            docs.append(dict(document))
        options = _session({"ordered": ordered}, session)
        if bypass_document_validation:
            options["bypassDocumentValidation"] = True
        reply = self._call("insertMany", docs=docs, options=options)
        return InsertManyResult(ids, reply.get("acknowledged", True))

    def _update(self, method, filter, update, upsert, options, session):
        _check_filter(filter)
        options = _session(dict(options), session)
        if upsert:
            options["upsert"] = True
        reply = self._call(method, filter=filter, update=update, options=options)
        return UpdateResult(_update_raw(reply), reply.get("acknowledged", True))

    def update_one(self, filter, update, upsert=False, bypass_document_validation=None, collation=None, array_filters=None, hint=None, session=None, let=None, sort=None, comment=None):
        _check_update(update)
        return self._update("updateOne", filter, update, upsert, _extra(array_filters=array_filters, hint=hint, collation=collation, comment=comment, let=let), session)

    def update_many(self, filter, update, upsert=False, array_filters=None, bypass_document_validation=None, collation=None, hint=None, session=None, let=None, comment=None):
        _check_update(update)
        return self._update("updateMany", filter, update, upsert, _extra(array_filters=array_filters, hint=hint, collation=collation, comment=comment, let=let), session)

    def replace_one(self, filter, replacement, upsert=False, bypass_document_validation=None, collation=None, hint=None, session=None, let=None, sort=None, comment=None):
        _check_filter(filter)
        _check_replacement(replacement)
        options = _session(_extra(hint=hint, collation=collation, comment=comment, let=let), session)
        if upsert:
            options["upsert"] = True
        reply = self._call("replaceOne", filter=filter, replacement=dict(replacement), options=options)
        return UpdateResult(_update_raw(reply), reply.get("acknowledged", True))

    def delete_one(self, filter, collation=None, hint=None, session=None, let=None, comment=None):
        _check_filter(filter)
        reply = self._call("deleteOne", filter=filter, options=_session(_extra(hint=hint, collation=collation, comment=comment, let=let), session))
        return DeleteResult({"n": reply.get("deletedCount", 0), "ok": 1.0}, reply.get("acknowledged", True))

    def delete_many(self, filter, collation=None, hint=None, session=None, let=None, comment=None):
        _check_filter(filter)
        reply = self._call("deleteMany", filter=filter, options=_session(_extra(hint=hint, collation=collation, comment=comment, let=let), session))
        return DeleteResult({"n": reply.get("deletedCount", 0), "ok": 1.0}, reply.get("acknowledged", True))

    def bulk_write(self, requests, ordered=True, bypass_document_validation=None, session=None, comment=None, let=None):
        if not isinstance(requests, list):
            raise TypeError("requests must be a list")
        operations = [request._to_driver() for request in requests]
        reply = self._call("bulkWrite", operations=operations, options=_session({"ordered": ordered}, session))
        return BulkWriteResult(reply.get("result", {}), reply.get("acknowledged", True))

    def find_one_and_update(self, filter, update, projection=None, sort=None, upsert=False, return_document=False, array_filters=None, hint=None, session=None, let=None, comment=None, **kwargs):
        _check_filter(filter)
        _check_update(update)
        options = _find_and_modify_options(projection, sort, upsert, return_document, session, array_filters=array_filters, hint=hint, let=let, comment=comment)
        return self._call("findOneAndUpdate", filter=filter, update=update, options=options).get("document")

    def find_one_and_replace(self, filter, replacement, projection=None, sort=None, upsert=False, return_document=False, hint=None, session=None, let=None, comment=None, **kwargs):
        _check_filter(filter)
        _check_replacement(replacement)
        options = _find_and_modify_options(projection, sort, upsert, return_document, session, hint=hint, let=let, comment=comment)
        return self._call("findOneAndReplace", filter=filter, replacement=dict(replacement), options=options).get("document")

    def find_one_and_delete(self, filter, projection=None, sort=None, hint=None, session=None, let=None, comment=None, **kwargs):
        _check_filter(filter)
        options = _find_and_modify_options(projection, sort, False, False, session, hint=hint, let=let, comment=comment)
        return self._call("findOneAndDelete", filter=filter, options=options).get("document")

    # -- reads ---------------------------------------------------------------------------------
    def find(self, *args, **kwargs):
        from pymongo.synchronous.cursor import Cursor

        return Cursor(self, *args, **kwargs)

    def find_one(self, filter=None, *args, **kwargs):
        if filter is not None and not isinstance(filter, Mapping):
            filter = {"_id": filter}
        cursor = self.find(filter, *args, **kwargs)
        for result in cursor.limit(-1):
            return result
        return None

    def count_documents(self, filter, session=None, comment=None, **kwargs):
        _check_filter(filter)
        return self._call("countDocuments", filter=filter, options=_session(dict(kwargs), session))["count"]

    def estimated_document_count(self, comment=None, **kwargs):
        return self._call("estimatedDocumentCount", options=dict(kwargs))["count"]

    def distinct(self, key, filter=None, session=None, comment=None, hint=None, **kwargs):
        if not isinstance(key, str):
            raise TypeError(f"key must be an instance of str, not {type(key)}")
        return self._call("distinct", key=key, filter=filter or {}, options=_session(dict(kwargs), session))["values"]

    def aggregate(self, pipeline, session=None, let=None, comment=None, **kwargs):
        from pymongo.synchronous.command_cursor import CommandCursor

        if not isinstance(pipeline, list):
            raise TypeError("pipeline must be a list")
        options = _session(dict(kwargs), session)
        if "batchSize" in options or "batch_size" in options:
            options["batchSize"] = options.pop("batch_size", options.get("batchSize"))
        return CommandCursor._run(self.__database.client, "aggregate", {"db": self.__database.name, "coll": self.__name, "pipeline": pipeline, "options": options})

    def watch(self, pipeline=None, full_document=None, resume_after=None, max_await_time_ms=None, batch_size=None, **kwargs):
        from pymongo.synchronous.change_stream import ChangeStream

        return ChangeStream(self.__database.client, self.__database.name, self.__name, pipeline, full_document, resume_after, max_await_time_ms, batch_size, kwargs)

    # -- indexes and the collection itself -------------------------------------------------------
    def create_index(self, keys, session=None, comment=None, **kwargs):
        from pymongo.synchronous.cursor import _index_list

        key = dict(_index_list(keys))
        name = kwargs.pop("name", None) or "_".join(f"{field}_{direction}" for field, direction in key.items())
        index = {"key": key, "name": name}
        index.update(kwargs)
        return self._call("createIndexes", indexes=[index])["names"][0]

    def create_indexes(self, indexes, session=None, comment=None, **kwargs):
        return self._call("createIndexes", indexes=[model.document for model in indexes])["names"]

    def list_indexes(self, session=None, comment=None):
        from pymongo.synchronous.command_cursor import _ListCursor

        reply = self.__database.command({"listIndexes": self.__name})
        return _ListCursor(reply["cursor"]["firstBatch"])

    def index_information(self, session=None, comment=None):
        info = {}
        for index in self.list_indexes():
            index = dict(index)
            info[index.pop("name")] = index
        return info

    def drop_index(self, index_or_name, session=None, comment=None, **kwargs):
        name = index_or_name if isinstance(index_or_name, str) else "_".join(f"{f}_{d}" for f, d in index_or_name)
        self.__database.command({"dropIndexes": self.__name, "index": name})

    def drop_indexes(self, session=None, comment=None, **kwargs):
        self.__database.command({"dropIndexes": self.__name, "index": "*"})

    def drop(self, session=None, comment=None, encrypted_fields=None):
        self._call("dropCollection")

    def rename(self, new_name, session=None, comment=None, **kwargs):
        command = {"renameCollection": self.full_name, "to": f"{self.__database.name}.{new_name}"}
        command.update(kwargs)
        return self.__database.client.admin.command(command)

    def options(self, session=None, comment=None):
        for entry in self.__database.list_collections(filter={"name": self.__name}):
            return entry.get("options", {})
        return {}


def _extra(**values):
    names = {"array_filters": "arrayFilters", "hint": "hint", "collation": "collation", "comment": "comment", "let": "let"}
    return {names[key]: value for key, value in values.items() if value is not None}


def _find_and_modify_options(projection, sort, upsert, return_document, session, **extra):
    from pymongo.synchronous.cursor import _index_list

    options = _session(_extra(**extra), session)
    if isinstance(projection, (list, tuple)):
        projection = {field: 1 for field in projection}
    if projection is not None:
        options["projection"] = projection
    if sort is not None:
        options["sort"] = dict(_index_list(sort))
    if upsert:
        options["upsert"] = True
    options["returnDocument"] = "after" if return_document else "before"
    return options
