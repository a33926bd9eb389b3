"""Turn what the server's driver reported (runtime-host.md, "Errors") into PyMongo's exceptions,
as PyMongo 4 raises them, or as PyMongo 1.8 did for a 2010 `Connection`."""

from pymongo import errors

# "not primary" and "node is recovering" codes (the SDAM spec's list).
_NOT_PRIMARY_CODES = {10107, 13435, 10058, 189, 11602, 13436, 11600, 91, 21}
_SOCKET_REASONS = {
    "refused": "[Errno 111] Connection refused",
    "timedOut": "timed out",
    "closed": "connection closed",
}


def socket_reason(error):
    if isinstance(error, dict):
        reason = _SOCKET_REASONS.get(error.get("network") or "")
        return reason or error.get("message", "")
    return str(error)


def _details(error):
    details = error.get("errorResponse")
    if isinstance(details, dict):
        return details
    details = {"ok": 0.0, "errmsg": error.get("errmsg") or error.get("message", "")}
    if error.get("code") is not None:
        details["code"] = error["code"]
    if error.get("codeName"):
        details["codeName"] = error["codeName"]
    if error.get("errorLabels"):
        details["errorLabels"] = list(error["errorLabels"])
    return details


def translate(error, legacy=False, timeout_seconds=30):
    """The exception to raise for one failed driver call."""
    name = error.get("name", "")
    message = error.get("message", "")
    if name == "Interrupted":
        return KeyboardInterrupt()
    if name == "MongoServerSelectionError":
        servers = (error.get("selection") or {}).get("servers") or []
        failing = next((s for s in servers if s.get("error")), None)
        if failing:
            detail = f"{failing['address']}: {socket_reason(failing['error'])}"
        else:
            detail = 'No replica set members match selector "Primary()"'
        if legacy:
            return errors.AutoReconnect(f"could not connect to {detail}" if failing else "could not find master/primary")
        return errors.ServerSelectionTimeoutError(f"{detail}, Timeout: {timeout_seconds:g}s")
    if error.get("network"):
        reason = socket_reason(error)
        if legacy:
            address = error.get("address")
            return errors.AutoReconnect(f"could not connect to {address}: {reason}" if address else reason)
        address = error.get("address")
        text = f"{address}: {reason}" if address else reason
        if error.get("network") == "timedOut":
            return errors.NetworkTimeout(text)
        return errors.AutoReconnect(text)
    code = error.get("code")
    if code is not None or name in ("MongoServerError", "MongoWriteConcernError", "MongoBulkWriteError"):
        errmsg = error.get("errmsg") or message
        details = _details(error)
        if name == "MongoBulkWriteError":
            return errors.BulkWriteError(error.get("bulkResult") or details)
        if code in _NOT_PRIMARY_CODES:
            if legacy:
                return errors.AutoReconnect("not master")
            return errors.NotPrimaryError(f"{errmsg}, full error: {details}", details)
        if code == 11000 or code == 11001 or code == 12582:
            return errors.DuplicateKeyError(errmsg, code, details)
        if code == 50:
            return errors.ExecutionTimeout(errmsg, code, details)
        if code == 43:
            return errors.CursorNotFound(errmsg, code, details)
        if name == "MongoWriteConcernError":
            return errors.WriteConcernError(errmsg, code, details)
        return errors.OperationFailure(errmsg, code, details)
    if name == "UnknownHandle":
        return errors.InvalidOperation(message)
    if name in ("MongoInvalidArgumentError", "MongoParseError", "MongoAPIError"):
        return errors.ConfigurationError(message)
    if name == "MongoTransactionError":
        return errors.InvalidOperation(message)
    return errors.PyMongoError(message)
