"""Radio buttons carry Tabler's ``form-check-input`` (without it they drew as empty boxes
above their labels on 回访服务记录维护)."""

from huifang.callbacks.records.forms import RecordForm
from huifang.reports.evidence.forms import EvidenceForm


def test_the_record_forms_status_radios_are_styled(db):
    radios = list(RecordForm()["status"])
    assert len(radios) == 3
    assert all('class="form-check-input"' in str(radio.tag()) for radio in radios)


def test_the_evidence_forms_scope_radios_are_styled(db):
    field = EvidenceForm.base_fields["kind"]
    assert field.widget.attrs["class"] == "form-check-input"
