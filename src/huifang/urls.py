from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from huifang.core.api_schema import ApiDocsView
from huifang.core.views import HomeView, healthz
from huifang.org import otp
from huifang.org.views import PasswordChangeView
from huifang.surveys.h5 import h5_page

urlpatterns = [
    # The signed partner endpoints first: machines call them thousands of times a second,
    # and each pattern tried before costs every one of those requests (no other pattern
    # starts with these prefixes, so the order decides nothing else).
    path("api/v1/apphall/", include("huifang.surveys.api")),  # interfaces.md "App hall"
    path("api/v1/callcenter/", include("huifang.channels.calls.api_urls")),
    path("api/v1/sms/", include("huifang.channels.sms.api_urls")),
    path("", HomeView.as_view(), name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    # An expired session still logs out cleanly (to the login page, not via it).
    path("login/otp/", otp.verify_view, name="otp_verify"),
    path("logout/", login_not_required(auth_views.LogoutView.as_view()), name="logout"),
    path("password/", PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("system/partners/", include("huifang.partners.urls")),
    path("system/", include("huifang.core.urls")),
    path("org/", include("huifang.org.urls")),
    path("customers/", include("huifang.customers.urls")),
    path("data/", include("huifang.customers.import_urls")),
    path("rules/", include("huifang.rules.urls")),
    path("callbacks/", include("huifang.callbacks.urls")),
    path("records/", include("huifang.callbacks.records.urls")),
    path("surveys/", include("huifang.surveys.urls")),
    path("reports/", include("huifang.reports.urls")),
    path("plans/", include("huifang.automation.urls")),
    path("sms/", include("huifang.channels.sms.urls")),
    path("calls/", include("huifang.channels.calls.urls")),
    # The public H5 questionnaire (the token is the key; no login).
    path("q/<str:token>", h5_page, name="survey_h5"),
    path("api/v1/", include("huifang.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", ApiDocsView.as_view(url_name="schema"), name="api_docs"),
]

handler400 = "huifang.core.errors.bad_request"
handler403 = "huifang.core.errors.permission_denied"
handler404 = "huifang.core.errors.page_not_found"
handler500 = "huifang.core.errors.server_error"
