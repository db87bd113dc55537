from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = "问卷管理"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.partners.signals import delivery_done
        from huifang.surveys import audit_actions, jobs, task_section  # noqa: F401
        from huifang.surveys.sending import on_delivery_done

        delivery_done.connect(on_delivery_done, dispatch_uid="surveys.invitation_sent")
        task_section.install()  # 问卷邀请 on the task page

        register(
            "surveys",
            NavItem("问卷", "surveys:questionnaire_list", "surveys.view_questionnaire"),
        )
        register(
            "surveys",
            NavItem("导入问卷", "surveys:questionnaire_import", "surveys.add_questionnaire"),
        )
