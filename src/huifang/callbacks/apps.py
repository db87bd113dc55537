from django.apps import AppConfig


class CallbacksConfig(AppConfig):
    name = "huifang.callbacks"
    label = "callbacks"
    verbose_name = "回访名单与任务"

    def ready(self) -> None:
        from huifang.callbacks import audit_actions, jobs, receivers  # noqa: F401  (actions, job handler, signals)
        from huifang.callbacks.workbench import register_panels
        from huifang.core.navigation import NavItem, register

        register("tasks", NavItem("加入回访名单", "callbacks:batch_create", "callbacks.add_batch"))
        register("tasks", NavItem("回访批次", "callbacks:batch_list", "callbacks.view_batch"))
        register("tasks", NavItem("回访任务", "callbacks:task_list", "callbacks.view_callbacktask"))
        register(
            "tasks", NavItem("分配设置", "callbacks:distribution", "callbacks.manage_callbacktask")
        )
        register(
            "tasks",
            NavItem("回访业务类型", "callbacks:businesstype_list", "callbacks.view_businesstype"),
        )
        register_panels()
