"""``python -m examples.customer_app [--host H] [--port P]`` serves the
example app; credentials from ``--username``/``--password`` or the
``CUSTOMER_APP_USERNAME``/``CUSTOMER_APP_PASSWORD`` variables."""

from __future__ import annotations

import argparse
import os

import uvicorn

from examples.customer_app.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument(
        "--username", default=os.environ.get("CUSTOMER_APP_USERNAME", "hubwire")
    )
    parser.add_argument(
        "--password", default=os.environ.get("CUSTOMER_APP_PASSWORD", "change-me")
    )
    args = parser.parse_args()
    app = create_app(username=args.username, password=args.password)
    uvicorn.run(app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
