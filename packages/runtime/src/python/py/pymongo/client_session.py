from pymongo.synchronous.client_session import *  # noqa: F401,F403
from pymongo.synchronous import client_session as _impl

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith('__')})
