from django.urls import path

from huifang.channels.calls.api import CallResultView

urlpatterns = [path("calls", CallResultView.as_view(), name="callcenter_calls")]
