from django.urls import path

from huifang.channels.sms import api

urlpatterns = [
    path("receipts", api.GatewayReceiptView.as_view(), name="sms_receipts"),
    path(
        "receipts/aliyun/<str:token>",
        api.AliyunReceiptView.as_view(),
        name="sms_receipts_aliyun",
    ),
    path(
        "receipts/tencent/<str:token>",
        api.TencentReceiptView.as_view(),
        name="sms_receipts_tencent",
    ),
]
