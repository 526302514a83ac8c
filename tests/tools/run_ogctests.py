"""Runs the `ogctests` suite (PyPI) against a running hotspots server.

    python3 tests/tools/run_ogctests.py BASE_URL USER TOKEN SCOPE [PYTEST FLAGS...]

BASE_URL is the OGC API root (http://127.0.0.1:PORT/ogc); USER and TOKEN are
an account's name and one of its API tokens, sent as HTTP Basic (as QGIS and
GDAL send them). SCOPE is a folder of the suite, e.g. features/core.
The suite reads the API definition without credentials: /ogc/api is public.
"""

import sys

import httpx
from ogctests.main import run_ogctests


def main() -> int:
    base, user, token, scope, *flags = sys.argv[1:]
    client = httpx.Client(base_url=base, auth=(user, token), timeout=300)
    return int(
        run_ogctests(
            scope,
            instance_url=base,
            flags=["-q", "-p", "no:cacheprovider", *flags],
            test_client=client,
        )
    )


if __name__ == "__main__":
    sys.exit(main())
