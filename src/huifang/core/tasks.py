"""django-tasks entry points. Keep this module tiny: the work lives in ``jobs``."""

from django_tasks import task

from huifang.core import jobs


@task()
def run_job(job_id: int) -> None:
    jobs.execute(job_id)
