#!/usr/bin/env python3
"""Regenerates jwcrypto.json: JWEs made by an independent implementation (jwcrypto, on
pyca/cryptography), one per key management x content encryption pair Sigil supports, for
tests/jwe_interop.rs to decrypt. Not run by CI; the output is committed.

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install jwcrypto
    /tmp/venv/bin/python make_jwcrypto.py > jwcrypto.json
"""
import json
from importlib.metadata import version

from jwcrypto import jwe, jwk
from jwcrypto.common import json_encode

ALGS = [
    ("RSA-OAEP", dict(kty="RSA", size=2048)),
    ("RSA-OAEP-256", dict(kty="RSA", size=2048)),
    ("ECDH-ES", dict(kty="EC", crv="P-256")),
    ("ECDH-ES+A128KW", dict(kty="EC", crv="P-256")),
    ("ECDH-ES+A256KW", dict(kty="EC", crv="P-256")),
    ("ECDH-ES+A256KW", dict(kty="EC", crv="P-384")),
]
ENCS = ["A128CBC-HS256", "A192CBC-HS384", "A256CBC-HS512", "A128GCM", "A192GCM", "A256GCM"]

keys, tokens = [], []
for i, (alg, spec) in enumerate(ALGS):
    kid = f"jwcrypto-{i}-{alg}-{spec.get('crv', 'RSA')}"
    key = jwk.JWK.generate(kid=kid, use="enc", alg=alg, **spec)
    keys.append(json.loads(key.export_private()))
    for enc in ENCS:
        plaintext = f"{alg} with {enc}: caf\u00e9 \u2013 {'x' * 40}"
        header = {"alg": alg, "enc": enc, "kid": kid}
        if alg.startswith("ECDH-ES") and enc.endswith("GCM"):
            header["apu"] = "QWxpY2U"  # "Alice"
            header["apv"] = "Qm9i"  # "Bob"
        token = jwe.JWE(plaintext.encode(), protected=json_encode(header))
        token.add_recipient(jwk.JWK(**json.loads(key.export_public())))
        tokens.append(
            {"alg": alg, "enc": enc, "kid": kid, "plaintext": plaintext,
             "compact": token.serialize(compact=True)}
        )

print(json.dumps({
    "generator": f"jwcrypto {version('jwcrypto')} on cryptography {version('cryptography')}",
    "keys": keys,
    "tokens": tokens,
}, indent=1, ensure_ascii=False))
