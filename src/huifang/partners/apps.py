from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "huifang.partners"
    label = "partners"
    verbose_name = "对接方"

    def ready(self) -> None:
        from huifang.core.navigation import NavItem, register
        from huifang.partners import audit_actions  # noqa: F401  (declares the audit actions)

        register("system", NavItem("对接方", "partners:partner_list", "partners.view_partner"))
