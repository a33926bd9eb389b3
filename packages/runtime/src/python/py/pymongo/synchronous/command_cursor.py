"""CommandCursor: results of aggregate, list_indexes and friends, fetched batch by batch."""

from pymongo.errors import InvalidOperation


class CommandCursor:
    def __init__(self, client, handle, batch, ns=None):
        self.__client = client
        self.__handle = handle
        self.__data = list(batch)
        self.__ns = ns
        self.__killed = handle is None

    @classmethod
    def _run(cls, client, method, params):
        reply = client._call(method, **params)
        return cls(client, reply.get("cursor"), reply.get("batch", []), reply.get("ns"))

    @property
    def alive(self):
        return bool(self.__data) or not self.__killed

    @property
    def cursor_id(self):
        return 0 if self.__killed else 1

    def _refill(self):
        if self.__killed:
            return False
        reply = self.__client._call("getMore", cursor=self.__handle)
        self.__data.extend(reply.get("batch", []))
        if reply.get("cursor") is None:
            self.__killed = True
        return bool(self.__data)

    def __iter__(self):
        return self

    def __next__(self):
        while not self.__data:
            if not self._refill():
                raise StopIteration
        return self.__data.pop(0)

    next = __next__

    def try_next(self):
        if not self.__data and not self.__killed:
            self._refill()
        return self.__data.pop(0) if self.__data else None

    def to_list(self, length=None):
        out = []
        for doc in self:
            out.append(doc)
            if length is not None and len(out) >= length:
                break
        return out

    def close(self):
        if not self.__killed:
            self.__killed = True
            try:
                self.__client._call("killCursors", cursor=self.__handle)
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()


class _ListCursor(CommandCursor):
    """A command cursor whose whole result came in the first reply."""

    def __init__(self, items):
        super().__init__(None, None, items)
