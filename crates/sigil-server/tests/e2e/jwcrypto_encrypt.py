#!/usr/bin/env python3
"""Encrypts a request object the way a client would, with jwcrypto (on pyca/cryptography) —
an implementation independent of sigil-jose — for tests/e2e/encrypted_request_objects.rs.

Reads one JSON object on stdin:
  jwk        the recipient's public JWK, as the realm's /jwks.json publishes it
  alg, enc   the JWE's key management and content encryption algorithms
  plaintext  what to encrypt (the client's signed request object)
  header     further protected header members (cty, zip, ...); kid is taken from the JWK
Prints the compact JWE. Exits 3 when jwcrypto is not installed, so the caller can tell that
from a failure.
"""
import json
import sys

try:
    from jwcrypto import jwe, jwk
    from jwcrypto.common import json_encode
except ImportError as e:
    print(f"jwcrypto is not installed: {e}", file=sys.stderr)
    sys.exit(3)

request = json.load(sys.stdin)
public = dict(request["jwk"])
alg, enc = request["alg"], request["enc"]
# A key pinned to one alg is refused by jwcrypto for another; the tests that send an
# algorithm the key is not pinned to (RSA1_5) want the server, not jwcrypto, to refuse it.
if public.get("alg") != alg:
    public.pop("alg", None)
key = jwk.JWK(**public)
protected = {"alg": alg, "enc": enc}
if "kid" in public:
    protected["kid"] = public["kid"]
protected.update(request.get("header", {}))
token = jwe.JWE(
    request["plaintext"].encode(),
    protected=json_encode(protected),
    algs=[alg, enc],
)
token.add_recipient(key)
print(token.serialize(compact=True))
