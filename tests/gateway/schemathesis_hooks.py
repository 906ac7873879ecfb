"""Schemathesis hooks of the gateway's API run (``SCHEMATHESIS_HOOKS``).

``problem_documents``: every error answer of the gateway is an RFC 9457
problem document, whatever input produced it.
"""

from __future__ import annotations

import json

import schemathesis


@schemathesis.check
def problem_documents(
    ctx: schemathesis.CheckContext,
    response: schemathesis.Response,
    case: schemathesis.Case,
) -> bool | None:
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])[0]
    assert media == "application/problem+json", (
        f"error answer {response.status_code} is {media!r}, not a problem document"
    )
    doc = json.loads(response.content)
    missing = {"type", "title", "status", "detail"} - doc.keys()
    assert not missing, f"problem document lacks {sorted(missing)}"
    assert doc["status"] == response.status_code, "status differs from the answer's"
    return None
