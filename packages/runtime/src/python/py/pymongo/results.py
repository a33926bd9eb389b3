"""Result classes for write operations, with PyMongo's reprs."""

from pymongo.errors import InvalidOperation


class _WriteResult:
    __slots__ = ("__acknowledged",)

    def __init__(self, acknowledged):
        self.__acknowledged = acknowledged

    def __repr__(self):
        return f"{self.__class__.__name__}(acknowledged={self.__acknowledged})"

    def _raise_if_unacknowledged(self, property_name):
        if not self.__acknowledged:
            raise InvalidOperation(
                f"A value for {property_name} is not available when the write is unacknowledged. "
                "Check the acknowledged attribute to avoid this error."
            )

    @property
    def acknowledged(self):
        return self.__acknowledged


class InsertOneResult(_WriteResult):
    __slots__ = ("__inserted_id",)

    def __init__(self, inserted_id, acknowledged):
        self.__inserted_id = inserted_id
        super().__init__(acknowledged)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.__inserted_id!r}, acknowledged={self.acknowledged})"

    @property
    def inserted_id(self):
        return self.__inserted_id


class InsertManyResult(_WriteResult):
    __slots__ = ("__inserted_ids",)

    def __init__(self, inserted_ids, acknowledged):
        self.__inserted_ids = inserted_ids
        super().__init__(acknowledged)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.__inserted_ids!r}, acknowledged={self.acknowledged})"

    @property
    def inserted_ids(self):
        return self.__inserted_ids


class UpdateResult(_WriteResult):
    __slots__ = ("__raw_result",)

    def __init__(self, raw_result, acknowledged):
        self.__raw_result = raw_result
        super().__init__(acknowledged)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.__raw_result!r}, acknowledged={self.acknowledged})"

    @property
    def raw_result(self):
        return self.__raw_result

    @property
    def matched_count(self):
        self._raise_if_unacknowledged("matched_count")
        if self.upserted_id is not None:
            return 0
        return self.__raw_result.get("n", 0)

    @property
    def modified_count(self):
        self._raise_if_unacknowledged("modified_count")
        return self.__raw_result.get("nModified")

    @property
    def upserted_id(self):
        self._raise_if_unacknowledged("upserted_id")
        return self.__raw_result.get("upserted")

    @property
    def did_upsert(self):
        return self.__raw_result.get("upserted") is not None


class DeleteResult(_WriteResult):
    __slots__ = ("__raw_result",)

    def __init__(self, raw_result, acknowledged):
        self.__raw_result = raw_result
        super().__init__(acknowledged)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.__raw_result!r}, acknowledged={self.acknowledged})"

    @property
    def raw_result(self):
        return self.__raw_result

    @property
    def deleted_count(self):
        self._raise_if_unacknowledged("deleted_count")
        return self.__raw_result.get("n", 0)


class BulkWriteResult(_WriteResult):
    __slots__ = ("__bulk_api_result",)

    def __init__(self, bulk_api_result, acknowledged):
        self.__bulk_api_result = bulk_api_result
        super().__init__(acknowledged)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.__bulk_api_result!r}, acknowledged={self.acknowledged})"

    @property
    def bulk_api_result(self):
        return self.__bulk_api_result

    @property
    def inserted_count(self):
        return self.__bulk_api_result.get("nInserted")

    @property
    def matched_count(self):
        return self.__bulk_api_result.get("nMatched")

    @property
    def modified_count(self):
        return self.__bulk_api_result.get("nModified")

    @property
    def deleted_count(self):
        return self.__bulk_api_result.get("nRemoved")

    @property
    def upserted_count(self):
        return self.__bulk_api_result.get("nUpserted")

    @property
    def upserted_ids(self):
        return {item["index"]: item["_id"] for item in self.__bulk_api_result.get("upserted", [])}
