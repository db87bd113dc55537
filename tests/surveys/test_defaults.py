"""The default questionnaires the migration ships."""

import pytest

from huifang.callbacks.models import BusinessType
from huifang.surveys import content
from huifang.surveys.models import Questionnaire

pytestmark = pytest.mark.django_db

BUILT_IN = ["年度适当性回访", "新开户回访", "专项回访", "高风险产品回访", "老年交易者回访"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_each_built_in_business_type_has_a_published_questionnaire(name):
    questionnaire = Questionnaire.objects.get(business_types=BusinessType.objects.get(name=name))
    version = questionnaire.latest_published()
    assert version.number == 1
    assert len(version.questions) >= 8


@pytest.mark.parametrize("name", BUILT_IN)
def test_the_default_questionnaires_are_valid_files(name):
    questionnaire = Questionnaire.objects.get(business_types__name=name)
    exported = content.to_file(questionnaire.latest_published())
    assert content.parse_file(exported) == exported


def test_not_the_holder_is_an_abnormal_answer():
    version = Questionnaire.objects.get(code="QN-ANNUAL").latest_published()
    check = content.check_answers(
        version,
        [{"question": "identity", "options": ["no"]}]
        + [
            {"question": q["id"], "options": [q["options"][0]["id"]]} for q in version.questions[1:]
        ],
        notes_required=False,
    )
    assert check.ok
    assert check.abnormal == ["identity"]


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_default_questionnaire_opens_for_a_customer_answering_alone(name):
    """掌厅, H5 and paper questionnaires are read by the customer, not spoken by an agent
    (phone callbacks register a record and use no questionnaire)."""
    opening = Questionnaire.objects.get(business_types__name=name).latest_published().opening
    assert opening.startswith("尊敬的客户")
    assert "回访专员" not in opening
