"""CORS as a browser enforces it (issue 12, item 8): headless Chromium (Debian's chromium and
chromium-driver, installed by scripts/debian-tools.sh when missing; Selenium from PyPI) opens a page
served from a second loopback origin, and the page calls /v2/auth/verify with fetch(). It reads the
answer when the tenant allows the page's origin, and the browser blocks it when not. The browser and the
page server are fixtures of conftest.py."""

FETCH_VERIFY = """
const [url, projectKey, token, done] = arguments;
fetch(url, {method: "POST", headers: {"content-type": "application/json", "x-project-key": projectKey},
            body: JSON.stringify({authToken: token})})
  .then(r => r.json().then(body => done({status: r.status, body: body})))
  .catch(e => done({error: String(e)}));
"""


def test_a_page_reads_verify_only_from_an_origin_its_tenant_allows(server, browser, page_port):
    allowed = f"http://127.0.0.1:{page_port}"
    elsewhere = f"http://localhost:{page_port}"  # the same page server, another origin
    tenant = server.tenant("Browser Co")
    admin = {"authorization": "Bearer " + tenant["jwt"]}
    status, updated = server.call("PUT", "/v2/tenants", {"corsOrigins": [allowed]}, admin)
    assert status == 200 and updated["corsOrigins"] == [allowed], updated
    token = server.user_token(tenant, "browser@example.com")
    other = server.tenant("No CORS Co")
    verify = server.base + "/v2/auth/verify"
    # Outside a browser every one of these calls succeeds: what fails below is the browser's CORS check.
    for key in (tenant["projectApiKey"], other["projectApiKey"]):
        status, body = server.call("POST", "/v2/auth/verify", {"authToken": token}, {"x-project-key": key})
        assert status == 200, body

    browser.get(allowed + "/app")
    answer = browser.execute_async_script(FETCH_VERIFY, verify, tenant["projectApiKey"], token)
    assert answer.get("status") == 200, answer
    assert answer["body"]["valid"] is True, answer

    # The same origin calling for a tenant that does not list it: the preflight passes (a tenant lists the
    # origin), the answer carries no Access-Control-Allow-Origin, and the browser keeps it from the page.
    refused = browser.execute_async_script(FETCH_VERIFY, verify, other["projectApiKey"], token)
    assert "error" in refused and "status" not in refused, refused

    # An origin nobody lists: the preflight itself is refused.
    browser.get(elsewhere + "/app")
    refused = browser.execute_async_script(FETCH_VERIFY, verify, tenant["projectApiKey"], token)
    assert "error" in refused and "status" not in refused, refused
