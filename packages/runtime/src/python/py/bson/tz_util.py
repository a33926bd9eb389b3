"""Time zone helpers."""

import datetime

utc = datetime.timezone.utc
