"""Logging filters named by LOGGING in the settings."""

import logging


class ExceptionOnOneLine(logging.Filter):
    """Fold a record's exception into its message, without the traceback.

    For errors that are expected during an outage and logged on every call
    (django-redis's ignored cache errors while Redis is down): one line each
    keeps the outage visible without burying everything else in tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.msg = f"{record.getMessage()}: {record.exc_info[1]}"
            record.args = ()
            record.exc_info = record.exc_text = None
        return True
