#!/usr/bin/env python3
"""A child that fetches a token from its identity endpoint exactly as Azure SDKs do on App Service.

Standard library only. It reads IDENTITY_ENDPOINT and IDENTITY_HEADER from its environment and sends
GET {IDENTITY_ENDPOINT}?api-version=2019-08-01&resource=<resource>[&client_id=<id>] with the
X-IDENTITY-HEADER header, as azure-identity's App Service managed identity source does. It prints one
JSON line: the HTTP status, and either the token's SHA-256 (never the token) with expires_on, or the
error body the endpoint sent.

Usage: identity-child.py [--resource R] [--client-id ID] [--header VALUE | --no-header]
"""
import argparse
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resource", default="https://graph.microsoft.com")
    parser.add_argument("--client-id")
    parser.add_argument("--header", help="send this secret instead of IDENTITY_HEADER")
    parser.add_argument("--no-header", action="store_true")
    args = parser.parse_args()

    endpoint = os.environ.get("IDENTITY_ENDPOINT")
    secret = os.environ.get("IDENTITY_HEADER")
    if not endpoint or not secret:
        print(json.dumps({"status": None, "error": "IDENTITY_ENDPOINT/IDENTITY_HEADER are not set"}))
        return 2

    query = {"api-version": "2019-08-01", "resource": args.resource}
    if args.client_id:
        query["client_id"] = args.client_id
    headers = {}
    if not args.no_header:
        headers["X-IDENTITY-HEADER"] = args.header if args.header is not None else secret
    request = urllib.request.Request(endpoint + "?" + urllib.parse.urlencode(query), headers=headers, method="GET")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status = response.status
            body = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        text = error.read().decode("utf-8", "replace")
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        print(json.dumps({"status": error.code, "error": body}))
        return 0
    except OSError as error:
        print(json.dumps({"status": None, "error": str(error)}))
        return 2

    token = body["access_token"]
    expires_on = int(body["expires_on"])  # epoch seconds, sent as a string
    print(json.dumps({
        "status": status,
        "token_sha256": hashlib.sha256(token.encode("utf-8")).hexdigest(),
        "expires_on": expires_on,
        "expires_in": expires_on - int(time.time()),
        "resource": body.get("resource"),
        "token_type": body.get("token_type"),
        "client_id": body.get("client_id"),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
