from rest_framework.authtoken.models import Token

from huifang.core.models import AuditEvent
from huifang.org.services import do_create_token


def test_api_lists_only_branches_in_scope(client_for):
    response = client_for("manager_a").get("/api/v1/branches/")
    assert response.status_code == 200
    assert [b["code"] for b in response.json()["results"]] == ["0101", "010101"]


def test_api_detail_out_of_scope_is_404(client_for):
    assert client_for("agent_a").get("/api/v1/branches/0102/").status_code == 404


def test_api_without_credentials_is_refused(client, db):
    assert client.get("/api/v1/branches/").status_code == 401


def test_token_authentication_has_the_users_scope(client, personas):
    key = do_create_token(personas["agent_b"])
    response = client.get("/api/v1/branches/", HTTP_AUTHORIZATION=f"Token {key}")
    assert [b["code"] for b in response.json()["results"]] == ["010201"]


def test_creating_a_token_in_the_page_is_audited(client_for, personas):
    client_for("agent_a").post("/org/token/", {"action": "create"})
    assert Token.objects.filter(user=personas["agent_a"]).exists()
    assert AuditEvent.objects.filter(action="token_create", user=personas["agent_a"]).exists()


def test_openapi_schema_is_served(client_for):
    response = client_for("hq_admin").get("/api/v1/schema/")
    assert response.status_code == 200
    assert b"/api/v1/branches/" in response.content
