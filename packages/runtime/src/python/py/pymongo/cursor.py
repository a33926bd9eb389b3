from pymongo.synchronous.cursor import *  # noqa: F401,F403
from pymongo.synchronous import cursor as _impl

globals().update({k: v for k, v in vars(_impl).items() if not k.startswith('__')})
