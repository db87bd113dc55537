"""问卷结果: the figures by channel and branch, the answer distribution, the abnormal list,
the filters, the export of all answers, and branch scoping of all of them."""

from __future__ import annotations

import csv
import io

import pytest

from huifang.core.models import AuditEvent
from huifang.surveys import results
from tests.surveys import results_world


@pytest.fixture
def world(branches, published):
    return results_world.build(branches)


def _figures(rows):
    return {f.key: (f.invited, f.opened, f.answered, f.abnormal) for f in rows}


def test_figures_by_channel_count_invited_opened_answered(world, personas, published):
    hq = personas["hq_admin"]
    channels, total = results.by_channel(
        results.scoped_invitations(hq, published), results.scoped_responses(hq, published)
    )
    assert _figures(channels) == {
        "apphall": (3, 1, 0, 0),
        "h5": (4, 3, 3, 1),
        "offline": (0, 0, 0, 0),
    }
    assert (total.invited, total.opened, total.answered, total.abnormal) == (7, 4, 3, 1)


def test_response_rate_is_answered_over_invited(world, personas, published):
    hq = personas["hq_admin"]
    channels, total = results.by_channel(
        results.scoped_invitations(hq, published), results.scoped_responses(hq, published)
    )
    h5 = next(f for f in channels if f.key == "h5")
    assert h5.rate_text == "75.0%"
    assert next(f for f in channels if f.key == "offline").rate_text == "—"
    assert total.rate == pytest.approx(3 / 7)


def test_figures_by_branch(world, personas, published):
    hq = personas["hq_admin"]
    branches, total = results.by_branch(
        results.scoped_invitations(hq, published), results.scoped_responses(hq, published)
    )
    assert _figures(branches) == {"010101": (6, 3, 2, 1), "010201": (1, 1, 1, 0)}
    assert total.invited == 7


def test_distribution_counts_each_chosen_option(world, personas, published):
    questions = results.distribution(
        published, results.scoped_responses(personas["hq_admin"], published)
    )
    by_id = {q.id: q for q in questions}
    assert {o["id"]: o["count"] for o in by_id["identity"].options} == {"yes": 2, "no": 1}
    assert {o["id"]: o["count"] for o in by_id["channels"].options} == {
        "app": 2,
        "pc": 1,
        "other": 0,
    }
    assert by_id["channels"].answered == 2
    assert by_id["opinion"].answered == 1
    assert by_id["born"].answered == 0


def test_chart_data_marks_abnormal_options(world, personas, published):
    questions = results.distribution(
        published, results.scoped_responses(personas["hq_admin"], published)
    )
    charts = {c["id"]: c for c in results.chart_data(questions)}
    assert set(charts) == {"identity", "channels"}  # text and date questions have no chart
    assert charts["identity"]["labels"] == ["是", "不是本人"]
    assert charts["identity"]["abnormal"] == [False, True]


def test_results_index_lists_the_version(client_for, world, published):
    page = client_for("hq_admin").get("/surveys/results/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/surveys/results/{published.pk}/" in html
    assert "QN-TEST" in html


def test_results_page_shows_figures_chart_data_and_abnormal_list(client_for, world, published):
    page = client_for("hq_admin").get(f"/surveys/results/{published.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="result-chart-data"' in html
    assert "vendor/echarts/echarts.min.js" in html
    assert page.context["channel_total"].answered == 3
    abnormal = [row["response"] for row in page.context["abnormal"]]
    assert abnormal == [world.abnormal]
    assert f"/tasks/{world.tasks_a[1].pk}/" in html or (
        f"callbacks/tasks/{world.tasks_a[1].pk}" in html
    )
    assert "第 1 题 您是本人吗？" in html


def test_results_page_filters_by_batch(client_for, world, published):
    page = client_for("hq_admin").get(
        f"/surveys/results/{published.pk}/", {"batch": world.batch_b.number}
    )
    assert page.context["channel_total"].invited == 1
    assert page.context["abnormal"] == []


def test_results_page_filters_by_channel(client_for, world, published):
    page = client_for("hq_admin").get(f"/surveys/results/{published.pk}/", {"channel": "apphall"})
    assert page.context["channel_total"].invited == 3
    assert page.context["channel_total"].answered == 0
    assert "暂无作答" in page.content.decode()


def test_a_bad_filter_is_a_chinese_error_not_a_500(client_for, world, published):
    page = client_for("hq_admin").get(f"/surveys/results/{published.pk}/", {"channel": "fax"})
    assert page.status_code == 200
    assert page.context["channel_total"].invited == 0


def test_a_branch_user_sees_only_its_subtree(client_for, world, published):
    page = client_for("agent_b").get(f"/surveys/results/{published.pk}/")
    assert page.status_code == 200
    assert [f.key for f in page.context["branches"]] == ["010201"]
    assert page.context["channel_total"].invited == 1
    assert page.context["abnormal"] == []


def test_a_branch_user_cannot_filter_into_another_branch(client_for, world, published, branches):
    page = client_for("agent_b").get(
        f"/surveys/results/{published.pk}/", {"branch": branches["a1"].pk}
    )
    assert page.context["channel_total"].invited == 0


def test_results_need_the_view_permission(client, world, published, branches):
    from huifang.org.models import User

    nobody = User.objects.create_user("nobody", password="x", branch=branches["a1"])
    client.force_login(nobody)
    assert client.get("/surveys/results/").status_code == 403


def _export(client, published, **params):
    response = client.get(f"/surveys/results/{published.pk}/", {"_export": "csv", **params})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_export_has_one_row_per_submission_and_one_column_per_question(
    client_for, world, published
):
    rows = _export(client_for("hq_admin"), published)
    header, body = rows[0], rows[1:]
    assert header[: len(results.EXPORT_HEADER)] == results.EXPORT_HEADER
    assert header[len(results.EXPORT_HEADER) :] == [
        "1. 您是本人吗？",
        "2. 您通过哪些渠道交易？",
        "3. 出生日期",
        "4. 意见",
    ]
    assert len(body) == 3
    abnormal = next(r for r in body if r[header.index("是否异常")] == "是")
    assert abnormal[header.index("1. 您是本人吗？")] == "不是本人（说明：家人代开）"
    assert abnormal[header.index("4. 意见")] == "没有意见"
    assert abnormal[header.index("异常题目")] == "第 1 题 您是本人吗？"
    both = next(
        r for r in body if r[header.index("投资者代码")] == world.task_b.customer.investor_code
    )
    assert both[header.index("2. 您通过哪些渠道交易？")] == "手机、电脑"


def test_export_is_audited_once(client_for, world, published):
    before = AuditEvent.objects.filter(action="export").count()
    _export(client_for("hq_admin"), published)
    assert AuditEvent.objects.filter(action="export").count() == before + 1


def test_export_is_scoped_and_filtered(client_for, world, published):
    assert len(_export(client_for("agent_b"), published)) == 2  # header + b1's one
    assert len(_export(client_for("hq_admin"), published, channel="apphall")) == 1


def test_export_as_xlsx(client_for, world, published):
    response = client_for("hq_admin").get(f"/surveys/results/{published.pk}/", {"_export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_no_invitations_is_an_empty_state_in_chinese(client_for, published):
    page = client_for("hq_admin").get("/surveys/results/")
    assert "暂无问卷结果" in page.content.decode()
    detail = client_for("hq_admin").get(f"/surveys/results/{published.pk}/")
    assert "暂无作答" in detail.content.decode()
    assert "没有异常问卷" in detail.content.decode()


@pytest.mark.parametrize(
    "params",
    [{"branch": "9" * 30}, {"branch": "abc"}, {"batch": "x" * 500}, {"_export": "pdf"}],
)
def test_odd_query_strings_never_fail_the_page(client_for, world, published, params):
    page = client_for("hq_admin").get(f"/surveys/results/{published.pk}/", params)
    assert page.status_code in (200, 302)


def test_an_unknown_or_draft_version_is_404(client_for, published):
    assert client_for("hq_admin").get("/surveys/results/999999/").status_code == 404
