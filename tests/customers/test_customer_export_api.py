"""``/api/v1/customers/export/``: the customer list's export through the one exporter —
the same file as the page's 导出 for the same filter and user, masked, audited once."""

from __future__ import annotations

from django.urls import reverse
from rest_framework.test import APIClient

from huifang.core.models import AuditEvent
from tests.customers.factories import customer


def test_the_api_export_is_the_page_export_masked_and_audited(branches, personas, client_for):
    customer("100001", branches["a1"], mobile="13812345678", name="+cmd")
    customer("200001", branches["b1"], mobile="13987654321")
    page = client_for("agent_a").get(reverse("customers:customer_list"), {"_export": "csv"})
    api = APIClient()
    api.force_authenticate(personas["agent_a"])
    response = api.get("/api/v1/customers/export/", {"file_format": "csv"})
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data == b"".join(page.streaming_content)
    text = data.decode("utf-8-sig")
    assert "138****5678" in text and "13812345678" not in text and "200001" not in text
    assert "'+cmd" in text
    events = AuditEvent.objects.filter(action="export", object_type="customers.customer")
    assert [e.user.username for e in events] == ["agent_a", "agent_a"]
