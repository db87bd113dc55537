"""系统管理 → 导入目录: HQ sets a dataset's drop folder on the page, which wins over
``HUIFANG_INTAKE_DIR`` and counts from the intake's next pass; the service creates the
folder and refuses what an operator would regret (a relative path, a folder it cannot
create, one shared with another dataset, …) with a Chinese error; only HQ admins may."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from huifang.automation import intake_folders, tasks
from huifang.automation.intake_folders import do_reset_intake_folder, do_save_intake_folder
from huifang.automation.models import IntakeFolder, IntakeStatus
from huifang.core.models import AuditEvent
from tests.conftest import DB_QUEUE, waiting

from .test_intake import BRANCH_HEADER, drop, root, run_pass  # noqa: F401  (fixtures)

LIST = reverse("automation:intake_folders")
GOOD = [BRANCH_HEADER, "010102,期货北京第二营业部,0101"]


def edit_url(dataset: str = "branches") -> str:
    return reverse("automation:intake_folder_edit", args=[dataset])


def current(dataset: str) -> intake_folders.Folder:
    return {f.dataset: f for f in intake_folders.effective()}[dataset]


@pytest.fixture
def no_env(settings):
    settings.INTAKE_DIR = None


# ---------------------------------------------------------------- the service


def test_saving_a_folder_creates_it_and_audits_before_and_after(personas, root, tmp_path):  # noqa: F811
    target = tmp_path / "drop" / "branches"

    folder = do_save_intake_folder(
        "branches", path=str(target), enabled=True, actor=personas["hq_admin"]
    )

    assert folder == intake_folders.Folder("branches", target, True, intake_folders.PAGE)
    assert all((target / sub).is_dir() for sub in ("processing", "done", "failed"))
    assert list(target.glob(".huifang-probe-*")) == []  # the probe is cleaned away
    event = AuditEvent.objects.get(action="intake_folder_change")
    assert event.user == personas["hq_admin"]
    assert event.before == {"path": str(root / "branches"), "enabled": True, "source": "env"}
    assert event.after == {"path": str(target), "enabled": True, "source": "page"}


def test_the_page_setting_wins_over_the_environment(personas, root, tmp_path):  # noqa: F811
    do_save_intake_folder(
        "daily", path=str(tmp_path / "d"), enabled=True, actor=personas["hq_admin"]
    )

    assert current("daily").path == tmp_path / "d"
    assert current("daily").source_label == "页面设置"
    assert current("customers").path == root / "customers"
    assert current("customers").source_label == "环境变量"


def test_saving_what_is_in_force_writes_nothing(personas, root):  # noqa: F811
    do_save_intake_folder(
        "branches", path=str(root / "x"), enabled=True, actor=personas["hq_admin"]
    )
    do_save_intake_folder(
        "branches", path=str(root / "x") + "/", enabled=True, actor=personas["hq_admin"]
    )

    assert AuditEvent.objects.filter(action="intake_folder_change").count() == 1


def test_a_switched_off_folder_needs_no_path_and_is_not_created(personas, no_env, tmp_path):
    folder = do_save_intake_folder("daily", path="", enabled=False, actor=personas["hq_admin"])

    assert folder.source == intake_folders.PAGE and not folder.active
    do_save_intake_folder(
        "products", path=str(tmp_path / "later"), enabled=False, actor=personas["hq_admin"]
    )
    assert not (tmp_path / "later").exists()


def test_reset_returns_to_the_environment_and_is_audited(personas, root, tmp_path):  # noqa: F811
    do_save_intake_folder(
        "daily", path=str(tmp_path / "d"), enabled=False, actor=personas["hq_admin"]
    )

    folder = do_reset_intake_folder("daily", actor=personas["hq_admin"])

    assert folder == intake_folders.Folder("daily", root / "daily", True, intake_folders.ENV)
    assert not IntakeFolder.objects.exists()
    event = AuditEvent.objects.get(action="intake_folder_reset")
    assert event.before["source"] == "page" and event.after["path"] == str(root / "daily")


def test_reset_without_a_page_setting_writes_nothing(personas, root):  # noqa: F811
    do_reset_intake_folder("daily", actor=personas["hq_admin"])

    assert not AuditEvent.objects.filter(action="intake_folder_reset").exists()


@pytest.mark.parametrize("persona", ["agent_a", "manager_a", "auditor"])
def test_only_hq_admins_may_set_a_folder(persona, personas, root, tmp_path):  # noqa: F811
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied, match="导入目录的权限"):
        do_save_intake_folder(
            "daily", path=str(tmp_path / "d"), enabled=True, actor=personas[persona]
        )
    with pytest.raises(PermissionDenied):
        do_reset_intake_folder("daily", actor=personas[persona])
    assert not (tmp_path / "d").exists() and AuditEvent.objects.count() == events


def test_saving_a_folder_restarts_the_intake_chain(
    personas, no_env, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_QUEUE
    assert not tasks.ensure_intake_tick()  # intake off: no chain

    with django_capture_on_commit_callbacks(execute=True):
        do_save_intake_folder(
            "branches", path=str(tmp_path / "b"), enabled=True, actor=personas["hq_admin"]
        )

    assert waiting(tasks.tick_intake).count() == 1


# ---------------------------------------------------------------- refusals, on the form


def post(client, dataset: str, path: str, enabled: bool = True):
    data = {"path": path, **({"enabled": "on"} if enabled else {})}
    return client.post(edit_url(dataset), data)


def field_errors(response) -> list[str]:
    assert response.status_code == 200  # the form again, not a redirect or a 500
    return response.context["form"].errors.get("path", [])


@pytest.mark.parametrize(
    ("path", "error"),
    [
        ("intake/daily", "请填写以 / 开头的绝对路径"),
        ("~/intake", "请填写以 / 开头的绝对路径"),
        ("/", "不能使用文件系统的根目录"),
        ("/etc/huifang", "不能使用系统目录 /etc"),
        ("/srv/a\nb", "控制字符"),
    ],
)
def test_a_path_that_is_no_place_for_a_drop_folder_is_refused(path, error, client_for, root):  # noqa: F811
    [message] = field_errors(post(client_for("hq_admin"), "daily", path))

    assert error in message
    assert (
        not IntakeFolder.objects.exists()
        and not AuditEvent.objects.filter(action="intake_folder_change").exists()
    )


def test_huifangs_own_upload_folder_is_refused(client_for, settings, root):  # noqa: F811
    [message] = field_errors(post(client_for("hq_admin"), "daily", f"{settings.MEDIA_ROOT}/in"))

    assert "上传与导出文件的目录" in message


def test_a_path_that_cannot_be_created_is_refused(client_for, root, tmp_path):  # noqa: F811
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")

    [message] = field_errors(post(client_for("hq_admin"), "daily", f"{blocker}/daily"))

    assert message.startswith("无法创建或写入该目录（路径中的某一级不是目录）")
    assert not IntakeFolder.objects.exists()


def test_an_existing_file_is_not_a_folder(client_for, root, tmp_path):  # noqa: F811
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    [message] = field_errors(post(client_for("hq_admin"), "daily", str(blocker)))

    assert message == f"{blocker} 已存在，但不是目录"


def test_two_datasets_may_not_share_a_folder(client_for, root):  # noqa: F811
    [message] = field_errors(post(client_for("hq_admin"), "daily", str(root / "customers")))

    assert message == (
        f"与“客户”的导入目录相同（{root / 'customers'}）：每个数据集须使用单独的目录，互不包含"
    )


def test_a_folder_may_not_hold_or_lie_in_another_datasets(client_for, root):  # noqa: F811
    client = client_for("hq_admin")

    [inside] = field_errors(post(client, "daily", str(root / "customers" / "done")))
    [holding] = field_errors(post(client, "daily", str(root)))

    assert inside.startswith("位于“客户”的导入目录")
    assert holding.startswith("包含了“部门”的导入目录")


def test_switched_on_without_a_path_is_refused(client_for, no_env):
    assert field_errors(post(client_for("hq_admin"), "daily", "  ")) == ["启用时请填写导入目录"]


def test_a_good_folder_is_saved_and_listed(client_for, no_env, tmp_path):
    client = client_for("hq_admin")

    response = post(client, "products", str(tmp_path / "products"))

    assert response.status_code == 302 and response["Location"] == LIST
    page = client.get(LIST).content.decode()
    assert str(tmp_path / "products") in page and "页面设置" in page


# ---------------------------------------------------------------- the pages


def test_the_list_shows_each_dataset_its_source_and_last_run(client_for, root, drop, branches):  # noqa: F811
    drop("branches", "a.csv", GOOD)
    run_pass()

    response = client_for("hq_admin").get(LIST)

    assert response.status_code == 200
    page = response.content.decode()
    for label in ("部门", "客户", "客户资金日报", "高风险产品或服务"):
        assert f"<td>{label}</td>" in page
    assert str(root / "daily") in page and page.count("<td>环境变量</td>") == 4
    assert "a.csv" in page and "已导入" in page
    assert f"{reverse('automation:intake')}?dataset=branches" in page
    assert f"{reverse('automation:intake')}?dataset=daily" not in page  # no run yet


def test_the_edit_form_starts_from_the_folder_in_force(client_for, root):  # noqa: F811
    form = client_for("hq_admin").get(edit_url("daily")).context["form"]

    assert form.initial == {"path": str(root / "daily"), "enabled": True}
    assert (
        f"环境变量 HUIFANG_INTAKE_DIR 给出的目录：{root / 'daily'}" in form.fields["path"].help_text
    )


def test_an_unknown_dataset_is_not_found(client_for, root):  # noqa: F811
    assert client_for("hq_admin").get(edit_url("accounts")).status_code == 404


def test_reset_from_the_page(client_for, root, tmp_path):  # noqa: F811
    client = client_for("hq_admin")
    post(client, "daily", str(tmp_path / "d"))

    response = client.post(reverse("automation:intake_folder_reset", args=["daily"]))

    assert response.status_code == 302
    assert current("daily").source == intake_folders.ENV


@pytest.mark.parametrize("persona", ["agent_a", "manager_a", "auditor"])
def test_agents_managers_and_auditors_are_refused(persona, client_for, root, tmp_path):  # noqa: F811
    client = client_for(persona)

    assert client.get(LIST).status_code == 403
    assert client.get(edit_url()).status_code == 403
    assert post(client, "daily", str(tmp_path / "d")).status_code == 403
    reset = reverse("automation:intake_folder_reset", args=["daily"])
    assert client.post(reset).status_code == 403
    assert not IntakeFolder.objects.exists() and not (tmp_path / "d").exists()


def test_the_menu_shows_it_under_system_management_to_hq_only(client_for):
    assert LIST in client_for("hq_admin").get("/").content.decode()
    for persona in ("auditor", "manager_a", "agent_a"):
        assert LIST not in client_for(persona).get("/").content.decode()


# ---------------------------------------------------------------- the intake reads it


def _dropped(folder: Path, name: str = "a.csv") -> Path:
    import os
    import time

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("\n".join(GOOD) + "\n", encoding="utf-8")
    os.utime(path, (time.time() - 120, time.time() - 120))
    return path


def test_the_intake_takes_files_from_the_page_folder_without_the_environment(
    personas, branches, no_env, tmp_path
):
    folder = tmp_path / "page-branches"
    do_save_intake_folder("branches", path=str(folder), enabled=True, actor=personas["hq_admin"])
    _dropped(folder)

    [run] = run_pass()

    assert run.status == IntakeStatus.APPLIED
    assert Path(run.moved_to) == folder / "done" / "a.csv"


def test_a_changed_folder_counts_from_the_next_pass(personas, branches, root, drop, tmp_path):  # noqa: F811
    drop("branches", "old.csv", GOOD)
    moved = tmp_path / "moved"
    do_save_intake_folder("branches", path=str(moved), enabled=True, actor=personas["hq_admin"])
    _dropped(moved, "new.csv")

    [run] = run_pass()

    assert run.file_name == "new.csv"
    assert (root / "branches" / "old.csv").exists()  # the old folder is no longer read


def test_a_dataset_switched_off_on_the_page_is_passed_over(personas, branches, root, drop):  # noqa: F811
    path = drop("branches", "a.csv", GOOD)
    do_save_intake_folder(
        "branches", path=str(path.parent), enabled=False, actor=personas["hq_admin"]
    )

    assert run_pass() == []
    assert path.exists()


def test_the_list_says_when_a_folder_in_force_is_not_a_folder(client_for, root):  # noqa: F811
    root.mkdir()
    (root / "daily").write_text("a file where the folder should be")

    row = client_for("hq_admin").get(LIST).content.decode().split('data-dataset="daily"')[1]

    assert "不是目录，无法导入" in row.split("</tr>")[0]


def test_the_intake_page_shows_the_auditor_where_each_folder_is_set(
    client_for,
    personas,
    root,  # noqa: F811
    tmp_path,
):
    do_save_intake_folder(
        "daily", path=str(tmp_path / "d"), enabled=True, actor=personas["hq_admin"]
    )

    page = client_for("auditor").get(reverse("automation:intake")).content.decode()

    daily = page.split('data-dataset="daily"')[1].split("</tr>")[0]
    assert str(tmp_path / "d") in daily and "页面设置" in daily
    assert LIST not in page  # the auditor is not offered the settings


def test_a_folder_the_worker_cannot_open_holds_the_later_datasets_back(
    personas,
    branches,
    root,  # noqa: F811
    drop,  # noqa: F811
    tmp_path,
):
    folder = tmp_path / "b"
    do_save_intake_folder("branches", path=str(folder), enabled=True, actor=personas["hq_admin"])
    for sub in folder.iterdir():
        sub.rmdir()
    folder.rmdir()
    folder.write_text("the mount went away and a file took its place")
    later = drop("customers", "a.csv", ["投资者代码"])

    assert run_pass() == []
    assert later.exists()
