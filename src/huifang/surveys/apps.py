from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = "问卷管理"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.partners.signals import delivery_done
        from huifang.surveys import audit_actions, jobs, sections  # noqa: F401  (actions, job handler)
        from huifang.surveys.sending import on_delivery_done

        delivery_done.connect(on_delivery_done, dispatch_uid="surveys.invitation_sent")

        register(
            "surveys",
            NavItem("问卷", "surveys:questionnaire_list", "surveys.view_questionnaire"),
        )
        register(
            "surveys",
            NavItem("导入问卷", "surveys:questionnaire_import", "surveys.add_questionnaire"),
        )
        register(
            "surveys",
            NavItem(
                "问卷结果",
                "surveys:results",
                "surveys.view_response",
                pages=("surveys:response_detail",),  # one answer sheet, under /surveys/
            ),
        )
        sections.install()
