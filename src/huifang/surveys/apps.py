from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "huifang.surveys"
    label = "surveys"
    verbose_name = "问卷管理"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.surveys import audit_actions  # noqa: F401  (registers the actions)
        from huifang.surveys import sections

        register(
            "surveys",
            NavItem("问卷", "surveys:questionnaire_list", "surveys.view_questionnaire"),
        )
        register(
            "surveys",
            NavItem("导入问卷", "surveys:questionnaire_import", "surveys.add_questionnaire"),
        )
        register("surveys", NavItem("问卷结果", "surveys:results", "surveys.view_response"))
        sections.install()
