"""Client options: the URI's and the keyword arguments', checked as PyMongo checks them and
turned into the Node driver's option names."""

from pymongo.errors import ConfigurationError

_READ_PREFERENCES = ("primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest")
# Lower-cased option name → (driver option, kind).
_OPTIONS = {
    "replicaset": ("replicaSet", "str"),
    "directconnection": ("directConnection", "bool"),
    "serverselectiontimeoutms": ("serverSelectionTimeoutMS", "ms"),
    "connecttimeoutms": ("connectTimeoutMS", "ms"),
    "sockettimeoutms": ("socketTimeoutMS", "ms"),
    "heartbeatfrequencyms": ("heartbeatFrequencyMS", "ms"),
    "localthresholdms": ("localThresholdMS", "ms"),
    "retryreads": ("retryReads", "bool"),
    "retrywrites": ("retryWrites", "bool"),
    "readpreference": ("readPreference", "readpref"),
    "appname": ("appName", "str"),
    "w": ("w", "w"),
    "wtimeoutms": ("wtimeoutMS", "ms"),
    "journal": ("journal", "bool"),
    "maxpoolsize": (None, "int"),
    "minpoolsize": (None, "int"),
    "document_class": (None, "any"),
    "tz_aware": (None, "any"),
    "connect": (None, "any"),
    "readconcernlevel": ("readConcernLevel", "str"),
}


def _convert(name, kind, value):
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise ConfigurationError(f"{name} must be True or False")
    if kind == "ms" or kind == "int":
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be an integer or float") from None
        if number < 0:
            raise ValueError(f"{name} must be greater than or equal to 0")
        return int(number) if kind == "int" else number
    if kind == "str":
        if not isinstance(value, str):
            raise TypeError(f"Wrong type for {name}, value must be an instance of str")
        return value
    if kind == "readpref":
        mode = getattr(value, "mongos_mode", value)
        if mode not in _READ_PREFERENCES:
            raise ValueError(f"{value!r} is not a valid read preference")
        return mode
    if kind == "w":
        if isinstance(value, str) and value.isdigit():
            return int(value)
        return value
    return value


def client_options(uri_options, kwargs):
    """(driver options, [(name, value) shown in the client's repr])."""
    options = {}
    shown = []
    for source, items in (("uri", uri_options), ("kwargs", kwargs)):
        for name, value in items.items():
            entry = _OPTIONS.get(name.lower())
            if entry is None:
                if source == "uri":
                    continue  # PyMongo warns about an unknown URI option and ignores it
                raise ConfigurationError(f"Unknown option {name}")
            driver_name, kind = entry
            converted = _convert(name, kind, value)
            if driver_name is not None:
                options[driver_name] = converted
            if source == "kwargs":
                shown.append((name.lower(), value))
    return options, shown
