"""ClientSession: causally consistent reads and multi-document transactions."""

import time

from pymongo.errors import InvalidOperation, OperationFailure, PyMongoError

_WITH_TRANSACTION_RETRY_SECONDS = 120
_UNKNOWN_COMMIT = "UnknownTransactionCommitResult"
_TRANSIENT = "TransientTransactionError"


class TransactionOptions:
    def __init__(self, read_concern=None, write_concern=None, read_preference=None, max_commit_time_ms=None):
        self.read_concern = read_concern
        self.write_concern = write_concern
        self.read_preference = read_preference
        self.max_commit_time_ms = max_commit_time_ms

    def _driver(self):
        options = {}
        if self.write_concern is not None:
            options["writeConcern"] = self.write_concern.document
        if self.read_concern is not None:
            options["readConcern"] = self.read_concern.document
        if self.read_preference is not None:
            options["readPreference"] = self.read_preference.mongos_mode
        if self.max_commit_time_ms is not None:
            options["maxCommitTimeMS"] = self.max_commit_time_ms
        return options


class ClientSession:
    def __init__(self, client, handle, default_transaction_options=None):
        self._client = client
        self._handle = handle
        self._default = default_transaction_options
        self._ended = False
        self._in_transaction = False

    @property
    def client(self):
        return self._client

    @property
    def has_ended(self):
        return self._ended

    @property
    def in_transaction(self):
        return self._in_transaction

    def _check_ended(self):
        if self._ended:
            raise InvalidOperation("Cannot use ended session")

    def start_transaction(self, read_concern=None, write_concern=None, read_preference=None, max_commit_time_ms=None):
        self._check_ended()
        if self._in_transaction:
            raise InvalidOperation("Transaction already in progress")
        options = TransactionOptions(read_concern, write_concern, read_preference, max_commit_time_ms)
        self._client._call("startTransaction", session=self._handle, options=options._driver())
        self._in_transaction = True
        return _TransactionContext(self)

    def commit_transaction(self):
        self._check_ended()
        try:
            self._client._call("commitTransaction", session=self._handle)
        finally:
            self._in_transaction = False

    def abort_transaction(self):
        self._check_ended()
        try:
            self._client._call("abortTransaction", session=self._handle)
        finally:
            self._in_transaction = False

    def with_transaction(self, callback, read_concern=None, write_concern=None, read_preference=None, max_commit_time_ms=None):
        """Run callback(session) in a transaction, retrying on transient errors and an unknown
        commit result for up to 120 seconds, as the transactions spec's convenient API does."""
        started = time.monotonic()
        while True:
            self.start_transaction(read_concern, write_concern, read_preference, max_commit_time_ms)
            try:
                result = callback(self)
            except Exception as error:
                if self._in_transaction:
                    self.abort_transaction()
                if isinstance(error, PyMongoError) and error.has_error_label(_TRANSIENT) and time.monotonic() - started < _WITH_TRANSACTION_RETRY_SECONDS:
                    continue
                raise
            if not self._in_transaction:
                return result
            while True:
                try:
                    self.commit_transaction()
                except PyMongoError as error:
                    elapsed = time.monotonic() - started
                    if error.has_error_label(_UNKNOWN_COMMIT) and elapsed < _WITH_TRANSACTION_RETRY_SECONDS and not (isinstance(error, OperationFailure) and error.code == 50):
                        self._in_transaction = True
                        continue
                    if error.has_error_label(_TRANSIENT) and elapsed < _WITH_TRANSACTION_RETRY_SECONDS:
                        break
                    raise
                return result

    def end_session(self):
        if not self._ended:
            self._ended = True
            try:
                self._client._call("endSession", session=self._handle)
            except PyMongoError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if self._in_transaction:
            self.abort_transaction()
        self.end_session()


class _TransactionContext:
    def __init__(self, session):
        self._session = session

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_val, exc_tb):
        if self._session.in_transaction:
            if exc_val is None:
                self._session.commit_transaction()
            else:
                self._session.abort_transaction()
