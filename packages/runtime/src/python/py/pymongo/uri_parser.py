"""Parse what a client constructor was given: host strings, lists and mongodb:// URIs."""

from urllib.parse import unquote_plus

from pymongo.errors import ConfigurationError, InvalidURI

SCHEME = "mongodb://"
SRV_SCHEME = "mongodb+srv://"
DEFAULT_PORT = 27017


def parse_host(entity, default_port=DEFAULT_PORT):
    host = entity
    port = default_port
    if entity.startswith("["):
        if "]:" in entity:
            host, port = entity.split("]:", 1)
            host = host[1:]
        elif entity.endswith("]"):
            host = entity[1:-1]
    elif ":" in entity:
        if entity.count(":") > 1:
            raise ValueError(
                "Reserved characters such as ':' must be escaped according RFC 2396. "
                "An IPv6 address literal must be enclosed in '[' and ']' according to RFC 2732."
            )
        host, port = host.split(":", 1)
    if isinstance(port, str):
        if not port.isdigit() or int(port) > 65535 or int(port) <= 0:
            raise ValueError(f"Port must be an integer between 0 and 65535: {port!r}")
        port = int(port)
    return host.lower(), port


def split_options(text):
    options = {}
    for pair in text.replace(";", "&").split("&"):
        if not pair:
            continue
        if "=" not in pair:
            raise InvalidURI(f"MongoDB URI options are key=value pairs.")
        key, value = pair.split("=", 1)
        options[key] = unquote_plus(value)
    return options


def parse_uri(uri, default_port=DEFAULT_PORT):
    """Returns (nodelist, database, options)."""
    if uri.startswith(SRV_SCHEME):
        raise ConfigurationError("The DNS seed list (mongodb+srv://) needs DNS SRV records, which this lab does not have")
    if not uri.startswith(SCHEME):
        raise InvalidURI(f"Invalid URI scheme: URI must begin with '{SCHEME}' or '{SRV_SCHEME}'")
    rest = uri[len(SCHEME):]
    if not rest:
        raise InvalidURI("Must provide at least one hostname or IP.")
    path_part = ""
    options = {}
    host_part = rest
    if "/" in rest:
        host_part, path_part = rest.split("/", 1)
    elif "?" in rest:
        raise InvalidURI("A '/' is required between the host list and any options.")
    if "@" in host_part:
        host_part = host_part.rsplit("@", 1)[1]
    database = None
    if path_part:
        db_part, _, query = path_part.partition("?")
        database = unquote_plus(db_part) or None
        options = split_options(query)
    if not host_part:
        raise InvalidURI("Must provide at least one hostname or IP.")
    nodes = []
    for entity in host_part.split(","):
        if not entity:
            raise ConfigurationError("Empty host (or extra comma in host list).")
        nodes.append(parse_host(unquote_plus(entity), default_port))
    return nodes, database, options


def seeds_from(host, port):
    """The seed list, the database named in a URI and the URI's options for a constructor call."""
    if host is None:
        host = "localhost"
    if isinstance(host, str):
        host = [host]
    if port is None:
        port = DEFAULT_PORT
    if not isinstance(port, int):
        raise TypeError("port must be an instance of int")
    seeds = []
    database = None
    options = {}
    for entity in host:
        if "://" in entity:
            nodes, db, opts = parse_uri(entity, port)
            seeds.extend(nodes)
            database = database or db
            options.update(opts)
        else:
            for part in entity.split(","):
                if not part:
                    raise ConfigurationError("Empty host (or extra comma in host list).")
                seeds.append(parse_host(part.strip(), port))
    if not seeds:
        raise ConfigurationError("need to specify at least one host")
    return seeds, database, options
