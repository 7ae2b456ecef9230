"""The served /openapi.yaml is YAML that parses and an OpenAPI 3.1 document that validates, with every
route the server answers (issue 11, first step: a document a client generator or fuzzer can load)."""
import urllib.request

import yaml
from openapi_spec_validator import validate


def test_openapi_document_is_valid(server):
    with urllib.request.urlopen(server.base + "/openapi.yaml", timeout=10) as r:
        assert r.status == 200
        text = r.read().decode()
    document = yaml.safe_load(text)
    assert document["openapi"].startswith("3.1")
    validate(document)
    # A few paths of each dialect are there (EveryRouteTests checks every registered route).
    for path in ["/v2/auth/token", "/api/v1/auth/login", "/auth/login", "/auth/webauthn/login/finish"]:
        assert path in document["paths"], path
