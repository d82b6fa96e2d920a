"""Log lines never carry a citizen ID, not even inside a traceback."""

from __future__ import annotations

import io
import logging

from services.privacy import RedactingFormatter

VALID_CID = "1101700203450"


def test_citizen_ids_are_masked_in_messages_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter())
    logger = logging.getLogger("test.redaction")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("row rejected: cid=%s hn=000123", VALID_CID)
        try:
            raise ValueError(f'COPY patient, line 3: "{VALID_CID}\tสมศักดิ์"')
        except ValueError:
            logger.exception("load failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert VALID_CID not in text
    assert text.count("1-1017-xxxxx-xx-0") == 2
    assert "Traceback" in text and "hn=000123" in text
