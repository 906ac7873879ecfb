"""OpenAPI example helpers, and the examples of the admin hub routes.

Routes carry their own examples (``body_examples``, ``answer``); the admin hub
routes (``routes/admin_hubs.py``) and the token endpoint's form body get
theirs from ``EXAMPLES``. ``openapi.refine`` fills an operation from ``EXAMPLES``
only where it has none, and a test checks that every operation ends up with
an example request (when it takes a body) and an example answer.
"""

from __future__ import annotations

from typing import Any

HUB = {
    "account_id": "acme",
    "name": "crm_hub",
    "description": "Our CRM",
    "active": True,
    "created_at": "2026-12-03T16:23:23.894055Z",
    "has_credentials": True,
    "client_id": "hwc_JAMT_va9e65vyjDI",
}
REAUTH = {"username": "root", "password": "the admin's own password"}
CONNECTIVITY = {
    "url": "https://crm.example.com/hubwire/objects",
    "username": "svc",
    "password": "********",
    "headers": [{"name": "X-Tenant", "value": "********"}],
    "configured": True,
}
DESTINATION = {
    "id": "dst_0bebfb2b292e4329bdfa",
    "hub_name": "crm_hub",
    "event_type": "session.created",
    "description": "A session was created, through the API or the console.",
    "url": "https://hooks.example.com/hubwire",
    "username": "hook",
    "has_password": True,
    "configured": True,
    "disabled": False,
    "disabled_reason": "",
}
SECRET = {
    "secret": "whsec_sogQv89RiXdkTPfdmSCY00EQ6Y+xMp/X",
    "previous_secret": "",
    "previous_expires_at": "",
}

# (method, path) -> (request body or None, success status, answer or None)
EXAMPLES: dict[tuple[str, str], tuple[object, int, object]] = {
    # A form body: FastAPI has no per-body example for forms.
    ("POST", "/oauth/token"): ({"grant_type": "client_credentials"}, 200, None),
    ("POST", "/admin/v1/login"): (
        {"account": "acme", "username": "root", "password": "correct horse battery"},
        200,
        {"access_token": "hwa_pwyiHchk…", "token_type": "Bearer", "expires_in": 900},
    ),
    ("GET", "/admin/v1/hubs"): (None, 200, {"hubs": [HUB]}),
    ("POST", "/admin/v1/hubs"): (
        {"name": "crm_hub", "description": "Our CRM"},
        201,
        {**HUB, "has_credentials": False, "client_id": ""},
    ),
    ("GET", "/admin/v1/hubs/{hub}"): (None, 200, HUB),
    ("PATCH", "/admin/v1/hubs/{hub}"): (
        {"description": "Our CRM (EU)", "active": True},
        200,
        {**HUB, "description": "Our CRM (EU)"},
    ),
    ("DELETE", "/admin/v1/hubs/{hub}"): (None, 204, None),
    ("POST", "/admin/v1/hubs/{hub}/credentials"): (
        {**REAUTH, "api_password": "a-long-api-password"},
        201,
        {
            "client_id": "hwc_JAMT_va9e65vyjDI",
            "api_key": "hwk_hgCmRAusqEj5E4UCg4oNVpLq…",
            "api_password": "a-long-api-password",
        },
    ),
    ("POST", "/admin/v1/hubs/{hub}/credentials/reveal"): (
        REAUTH,
        200,
        {"client_id": "hwc_JAMT_va9e65vyjDI", "api_key": "hwk_hgCmRAusqEj5E4UC…"},
    ),
    ("POST", "/admin/v1/hubs/{hub}/credentials/password"): (
        {**REAUTH, "new_api_password": "another-long-api-password"},
        204,
        None,
    ),
    ("GET", "/admin/v1/hubs/{hub}/signing-secret"): (None, 200, SECRET),
    ("POST", "/admin/v1/hubs/{hub}/signing-secret/rotate"): (
        None,
        200,
        {
            "secret": "whsec_Q2hhbmdlZCBzZWNyZXQgZm9yIGRvY3M",
            "previous_secret": SECRET["secret"],
            "previous_expires_at": "2026-12-04T16:23:23Z",
        },
    ),
    ("PUT", "/admin/v1/hubs/{hub}/connectivity"): (
        {
            "url": "https://crm.example.com/hubwire/objects",
            "username": "svc",
            "password": "app-password",
            "headers": [{"name": "X-Tenant", "value": "acme"}],
        },
        200,
        CONNECTIVITY,
    ),
    ("GET", "/admin/v1/hubs/{hub}/connectivity"): (None, 200, CONNECTIVITY),
    ("GET", "/admin/v1/hubs/{hub}/destinations"): (
        None,
        200,
        {"destinations": [DESTINATION]},
    ),
    ("PUT", "/admin/v1/hubs/{hub}/destinations/{event_type}"): (
        {
            "url": "https://hooks.example.com/hubwire",
            "username": "hook",
            "password": "hook-password",
        },
        200,
        DESTINATION,
    ),
    ("DELETE", "/admin/v1/hubs/{hub}/destinations/{event_type}"): (None, 204, None),
    ("GET", "/admin/v1/audit-log"): (
        None,
        200,
        {
            "entries": [
                {
                    "id": "aud_2df2fdd0c93b49d3b7c5",
                    "at": "2026-12-03T16:23:25.459954Z",
                    "actor": "root",
                    "action": "destination.set",
                    "hub_name": "crm_hub",
                    "detail": "session.created",
                    "success": True,
                }
            ]
        },
    ),
    ("GET", "/admin/v1/blocked-services"): (
        None,
        200,
        {"domains": ["requestbin.com", "webhook.site"]},
    ),
    ("POST", "/admin/v1/blocked-services"): (
        {"domain": "hooks.inspector.example"},
        200,
        {"destinations_removed": 1},
    ),
}


def body_examples(**examples: tuple[str, object]) -> dict[str, Any]:
    """``openapi_examples`` of a request body: name -> (summary, value)."""
    return {
        name: {"summary": summary, "value": value}
        for name, (summary, value) in examples.items()
    }


def answer(status: int, example: object, description: str = "") -> dict[int, Any]:
    """A ``responses`` entry with the JSON example of the success answer."""
    return {
        status: {
            "description": description or "Success",
            "content": {"application/json": {"example": example}},
        }
    }
