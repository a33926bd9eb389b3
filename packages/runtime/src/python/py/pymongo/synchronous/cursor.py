"""Cursor: a find() that runs when first read; sort, skip, limit and batch size chain."""

import copy

from pymongo import ASCENDING
from pymongo.errors import InvalidOperation


def _index_list(key_or_list, direction=None):
    if direction is not None:
        if not isinstance(key_or_list, str):
            raise TypeError("Expected a string and a direction")
        return [(key_or_list, direction)]
    if isinstance(key_or_list, str):
        return [(key_or_list, ASCENDING)]
    if isinstance(key_or_list, dict):
        return list(key_or_list.items())
    if not isinstance(key_or_list, (list, tuple)):
        raise TypeError("if no direction is specified, key_or_list must be an instance of list")
    return [(item, ASCENDING) if isinstance(item, str) else tuple(item) for item in key_or_list]


class Cursor:
    def __init__(self, collection, filter=None, projection=None, skip=0, limit=0, no_cursor_timeout=False, cursor_type=None, sort=None, allow_partial_results=False, oplog_replay=False, batch_size=0, collation=None, hint=None, max_scan=None, max_time_ms=None, max=None, min=None, return_key=None, show_record_id=None, snapshot=None, comment=None, session=None, allow_disk_use=None, let=None):
        if filter is not None and not isinstance(filter, dict):
            raise TypeError(f"filter must be an instance of dict, bson.son.SON, or any other type that inherits from collections.Mapping")
        if not isinstance(skip, int):
            raise TypeError("skip must be an instance of int")
        if not isinstance(limit, int):
            raise TypeError("limit must be an instance of int")
        self.__collection = collection
        self.__filter = filter or {}
        if isinstance(projection, (list, tuple)):
            projection = {field: 1 for field in projection}
        self.__projection = projection
        self.__skip = skip
        self.__limit = limit
        self.__batch_size = batch_size
        self.__sort = dict(_index_list(sort)) if sort else None
        self.__hint = hint
        self.__max_time_ms = max_time_ms
        self.__comment = comment
        self.__collation = collation
        self.__session = session
        self.__handle = None
        self.__started = False
        self.__killed = False
        self.__data = []
        self.__retrieved = 0

    @property
    def collection(self):
        return self.__collection

    @property
    def retrieved(self):
        return self.__retrieved

    @property
    def alive(self):
        return not self.__started or bool(self.__data) or not self.__killed

    @property
    def cursor_id(self):
        return None if not self.__started else (0 if self.__killed else 1)

    @property
    def address(self):
        return self.__collection.database.client._address(self.__collection.database.client._last_server)

    def __check_okay_to_chain(self):
        if self.__started:
            raise InvalidOperation("cannot set options after executing query")

    def limit(self, limit):
        if not isinstance(limit, int):
            raise TypeError("limit must be an integer")
        self.__check_okay_to_chain()
        self.__limit = limit
        return self

    def skip(self, skip):
        if not isinstance(skip, int):
            raise TypeError("skip must be an integer")
        if skip < 0:
            raise ValueError("skip must be >= 0")
        self.__check_okay_to_chain()
        self.__skip = skip
        return self

    def batch_size(self, batch_size):
        if not isinstance(batch_size, int):
            raise TypeError("batch_size must be an integer")
        if batch_size < 0:
            raise ValueError("batch_size must be >= 0")
        self.__check_okay_to_chain()
        self.__batch_size = batch_size
        return self

    def sort(self, key_or_list, direction=None):
        self.__check_okay_to_chain()
        self.__sort = dict(_index_list(key_or_list, direction))
        return self

    def hint(self, index):
        self.__check_okay_to_chain()
        self.__hint = index if isinstance(index, str) or index is None else dict(_index_list(index))
        return self

    def max_time_ms(self, max_time_ms):
        self.__check_okay_to_chain()
        self.__max_time_ms = max_time_ms
        return self

    def comment(self, comment):
        self.__check_okay_to_chain()
        self.__comment = comment
        return self

    def where(self, code):
        self.__check_okay_to_chain()
        self.__filter = {"$and": [self.__filter, {"$where": code}]} if self.__filter else {"$where": code}
        return self

    def collation(self, collation):
        self.__check_okay_to_chain()
        self.__collation = collation
        return self

    def _options(self):
        options = {}
        if self.__projection is not None:
            options["projection"] = self.__projection
        if self.__sort:
            options["sort"] = self.__sort
        if self.__skip:
            options["skip"] = self.__skip
        if self.__limit:
            options["limit"] = abs(self.__limit)
            if self.__limit < 0:
                options["singleBatch"] = True
        if self.__batch_size:
            options["batchSize"] = self.__batch_size
        if self.__hint is not None:
            options["hint"] = self.__hint
        if self.__max_time_ms is not None:
            options["maxTimeMS"] = self.__max_time_ms
        if self.__comment is not None:
            options["comment"] = self.__comment
        if self.__collation is not None:
            options["collation"] = self.__collation
        if self.__session is not None:
            options["session"] = self.__session._handle
        return options

    def _filter(self):
        return self.__filter

    def __refresh(self):
        client = self.__collection.database.client
        if not self.__started:
            self.__started = True
            reply = self.__collection._call("find", filter=self.__filter, options=self._options())
            self.__handle = reply.get("cursor")
            self.__data.extend(reply.get("batch", []))
            if self.__handle is None:
                self.__killed = True
        elif not self.__killed:
            reply = client._call("getMore", cursor=self.__handle)
            self.__data.extend(reply.get("batch", []))
            if reply.get("cursor") is None:
                self.__killed = True
        return len(self.__data)

    def __iter__(self):
        return self

    def next(self):
        if self.__limit and self.__retrieved >= abs(self.__limit):
            raise StopIteration
        while not self.__data:
            if self.__killed and self.__started:
                raise StopIteration
            if not self.__refresh() and self.__killed:
                raise StopIteration
        self.__retrieved += 1
        return self.__data.pop(0)

    __next__ = next

    def try_next(self):
        try:
            return self.next()
        except StopIteration:
            return None

    def to_list(self, length=None):
        out = []
        for doc in self:
            out.append(doc)
            if length is not None and len(out) >= length:
                break
        return out

    def __getitem__(self, index):
        if isinstance(index, slice):
            if index.step is not None:
                raise IndexError("Cursor instances do not support slice steps")
            start = index.start or 0
            if start < 0:
                raise IndexError("Cursor instances do not support negative indices")
            self.__check_okay_to_chain()
            self.__skip = start
            if index.stop is not None:
                if index.stop < start:
                    raise IndexError("stop index must be greater than start index for slice %r" % index)
                self.__limit = index.stop - start
            return self
        if isinstance(index, int):
            if index < 0:
                raise IndexError("Cursor instances do not support negative indices")
            clone = self.clone()
            clone.skip(index + self.__skip)
            clone.limit(-1)
            for doc in clone:
                return doc
            raise IndexError("no such item for Cursor instance")
        raise TypeError(f"index {index!r} cannot be applied to Cursor instances")

    def clone(self):
        other = Cursor(self.__collection, self.__filter, self.__projection, self.__skip, self.__limit, sort=None, batch_size=self.__batch_size, hint=self.__hint, max_time_ms=self.__max_time_ms, comment=self.__comment, collation=self.__collation, session=self.__session)
        if self.__sort:
            other.sort(list(self.__sort.items()))
        return other

    __copy__ = clone

    def __deepcopy__(self, memo):
        return self.clone()

    def rewind(self):
        self.close()
        self.__started = False
        self.__killed = False
        self.__data = []
        self.__retrieved = 0
        self.__handle = None
        return self

    def distinct(self, key):
        return self.__collection.distinct(key, self.__filter)

    def explain(self):
        return self.__collection.database.command({"explain": {"find": self.__collection.name, "filter": self.__filter}})

    def close(self):
        if self.__started and not self.__killed:
            self.__killed = True
            try:
                self.__collection.database.client._call("killCursors", cursor=self.__handle)
            except Exception:
                pass
        self.__killed = True

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()

    def __del__(self):
        pass
