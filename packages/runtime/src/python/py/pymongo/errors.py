"""Exceptions raised by PyMongo, with PyMongo's names, hierarchy and messages."""

from bson.errors import InvalidDocument  # noqa: F401  (PyMongo re-exports it)


class PyMongoError(Exception):
    """Base class for all PyMongo exceptions."""

    def __init__(self, message="", error_labels=None):
        super().__init__(message)
        self._message = message
        self._error_labels = set(error_labels or [])

    def has_error_label(self, label):
        return label in self._error_labels

    def _add_error_label(self, label):
        self._error_labels.add(label)

    def _remove_error_label(self, label):
        self._error_labels.discard(label)

    @property
    def timeout(self):
        return False


class ProtocolError(PyMongoError):
    """Raised for failures related to the wire protocol."""


class ConnectionFailure(PyMongoError):
    """Raised when a connection to the database cannot be made or is lost."""


class WaitQueueTimeoutError(ConnectionFailure):
    """Raised when an operation times out waiting to checkout a connection from the pool."""


class AutoReconnect(ConnectionFailure):
    """Raised when a connection to the database is lost and an attempt to auto-reconnect will be made."""

    def __init__(self, message="", errors=None):
        error_labels = None
        if errors is not None and isinstance(errors, dict):
            error_labels = errors.get("errorLabels")
        super().__init__(message, error_labels)
        self.errors = self.details = errors or []


class NetworkTimeout(AutoReconnect):
    """An operation on an open connection exceeded socketTimeoutMS."""

    @property
    def timeout(self):
        return True


class NotPrimaryError(AutoReconnect):
    """The server responded "not primary" or "node is recovering"."""

    def __init__(self, message="", errors=None):
        super().__init__(message, errors)


class ServerSelectionTimeoutError(AutoReconnect):
    """Thrown when no MongoDB server is available for an operation."""

    @property
    def timeout(self):
        return True


class ConfigurationError(PyMongoError):
    """Raised when something is incorrectly configured."""


class OperationFailure(PyMongoError):
    """Raised when a database operation fails."""

    def __init__(self, error, code=None, details=None, max_wire_version=None):
        error_labels = None
        if details is not None:
            error_labels = details.get("errorLabels")
        super().__init__(_format_detailed_error(error, details), error_labels=error_labels)
        self.__code = code
        self.__details = details
        self.__max_wire_version = max_wire_version

    @property
    def code(self):
        return self.__code

    @property
    def details(self):
        return self.__details

    @property
    def timeout(self):
        return self.__code in (50,)


def _format_detailed_error(message, details):
    if details is not None:
        message = f"{message}, full error: {details}"
    return message


class CursorNotFound(OperationFailure):
    """Raised while iterating query results if the cursor is invalidated on the server."""


class ExecutionTimeout(OperationFailure):
    """Raised when a database operation times out, exceeding the $maxTimeMS set in the query or command option."""

    @property
    def timeout(self):
        return True


class WriteConcernError(OperationFailure):
    """Base exception type for errors raised due to write concern."""


class WriteError(OperationFailure):
    """Base exception type for errors raised during write operations."""


class WTimeoutError(WriteConcernError):
    """Raised when a database operation times out (i.e. wtimeout expires) before replication completes."""


class DuplicateKeyError(WriteError):
    """Raised when an insert or update fails due to a duplicate key error."""


class BulkWriteError(OperationFailure):
    """Exception class for bulk write errors."""

    def __init__(self, results):
        super().__init__("batch op errors occurred", 65, results)

    @property
    def timeout(self):
        return False


class InvalidOperation(PyMongoError):
    """Raised when a client attempts to perform an invalid operation."""


class InvalidName(PyMongoError):
    """Raised when an invalid name is used."""


class CollectionInvalid(PyMongoError):
    """Raised when collection validation fails."""


class InvalidURI(ConfigurationError):
    """Raised when trying to parse an invalid mongodb URI."""


class DocumentTooLarge(InvalidDocument):
    """Raised when an encoded document is too large for the connected server."""


# PyMongo 3 called it NotMasterError; the name still works.
NotMasterError = NotPrimaryError
