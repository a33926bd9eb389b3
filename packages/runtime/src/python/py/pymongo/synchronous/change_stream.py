"""ChangeStream: watch() on a collection, database or the whole deployment."""


class ChangeStream:
    def __init__(self, client, db, coll, pipeline, full_document, resume_after, max_await_time_ms, batch_size, kwargs):
        if pipeline is None:
            pipeline = []
        if not isinstance(pipeline, list):
            raise TypeError("pipeline must be a list")
        options = dict(kwargs)
        if full_document is not None:
            options["fullDocument"] = full_document
        if resume_after is not None:
            options["resumeAfter"] = resume_after
        if max_await_time_ms is not None:
            options["maxAwaitTimeMS"] = max_await_time_ms
        if batch_size is not None:
            options["batchSize"] = batch_size
        session = options.pop("session", None)
        if session is not None:
            options["session"] = session._handle
        self._client = client
        reply = client._call("watch", db=db, coll=coll, pipeline=pipeline, options=options)
        self._handle = reply.get("cursor")
        self._data = list(reply.get("batch", []))
        self._resume_token = None
        self._closed = False

    @property
    def alive(self):
        return not self._closed

    @property
    def resume_token(self):
        return self._resume_token

    def try_next(self):
        if not self._data and not self._closed:
            reply = self._client._call("getMore", cursor=self._handle)
            self._data.extend(reply.get("batch", []))
        if not self._data:
            return None
        change = self._data.pop(0)
        self._resume_token = change.get("_id")
        return change

    def next(self):
        while self.alive:
            change = self.try_next()
            if change is not None:
                return change
        raise StopIteration

    __next__ = next

    def __iter__(self):
        return self

    def close(self):
        if not self._closed:
            self._closed = True
            try:
                self._client._call("killCursors", cursor=self._handle)
            except Exception:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        self.close()
