"""Write models for bulk_write and IndexModel for create_indexes."""


class InsertOne:
    def __init__(self, document):
        self._doc = document

    def _to_driver(self):
        from bson.objectid import ObjectId

        if "_id" not in self._doc:
            self._doc["_id"] = ObjectId()
        return {"insertOne": {"document": dict(self._doc)}}

    def __repr__(self):
        return f"InsertOne({self._doc!r})"


class _Filtered:
    _name = ""

    def __init__(self, filter, second=None, upsert=None):
        self._filter = filter
        self._second = second
        self._upsert = upsert

    def __repr__(self):
        if self._second is None:
            return f"{type(self).__name__}({self._filter!r})"
        return f"{type(self).__name__}({self._filter!r}, {self._second!r}, {self._upsert!r})"


class UpdateOne(_Filtered):
    def __init__(self, filter, update, upsert=None, **kwargs):
        super().__init__(filter, update, upsert)

    def _to_driver(self):
        return {"updateOne": {"filter": self._filter, "update": self._second, "upsert": bool(self._upsert)}}


class UpdateMany(_Filtered):
    def __init__(self, filter, update, upsert=None, **kwargs):
        super().__init__(filter, update, upsert)

    def _to_driver(self):
        return {"updateMany": {"filter": self._filter, "update": self._second, "upsert": bool(self._upsert)}}


class ReplaceOne(_Filtered):
    def __init__(self, filter, replacement, upsert=None, **kwargs):
        super().__init__(filter, replacement, upsert)

    def _to_driver(self):
        return {"replaceOne": {"filter": self._filter, "replacement": self._second, "upsert": bool(self._upsert)}}


class DeleteOne(_Filtered):
    def __init__(self, filter, **kwargs):
        super().__init__(filter)

    def _to_driver(self):
        return {"deleteOne": {"filter": self._filter}}


class DeleteMany(_Filtered):
    def __init__(self, filter, **kwargs):
        super().__init__(filter)

    def _to_driver(self):
        return {"deleteMany": {"filter": self._filter}}


class IndexModel:
    def __init__(self, keys, **kwargs):
        from pymongo.synchronous.cursor import _index_list

        key = dict(_index_list(keys))
        document = {"key": key, "name": kwargs.pop("name", None) or "_".join(f"{f}_{d}" for f, d in key.items())}
        document.update(kwargs)
        self.__document = document

    @property
    def document(self):
        return self.__document
