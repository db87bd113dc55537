"""Enumerations of the standard data interface. Stored values are short and stable;
labels are what files carry and users read (``data-interface.md``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CustomerType(models.TextChoices):
    NATURAL = "natural", _("自然人")
    LEGAL = "legal", _("一般法人")
    SPECIAL = "special", _("特殊法人")


class Gender(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class IdType(models.TextChoices):
    ID_CARD = "id_card", _("身份证")
    PASSPORT = "passport", _("护照")
    HK_MACAO = "hk_macao", _("港澳居民来往内地通行证")
    TAIWAN = "taiwan", _("台湾居民来往大陆通行证")
    LICENSE = "license", _("营业执照")
    USCC = "uscc", _("统一社会信用代码")
    OTHER = "other", _("其他")


class Status(models.TextChoices):
    ACTIVE = "active", _("有效")
    CLOSED = "closed", _("销户")


class InvestorClass(models.TextChoices):
    ORDINARY = "ordinary", _("普通投资者")
    PROFESSIONAL = "professional", _("专业投资者")


class RiskLevel(models.IntegerChoices):
    """风险承受能力 C1–C5 (investors)."""

    C1 = 1, "C1"
    C2 = 2, "C2"
    C3 = 3, "C3"
    C4 = 4, "C4"
    C5 = 5, "C5"


class ProductRisk(models.IntegerChoices):
    """产品风险等级 R1–R5."""

    R1 = 1, "R1"
    R2 = 2, "R2"
    R3 = 3, "R3"
    R4 = 4, "R4"
    R5 = 5, "R5"


class ProductCategory(models.TextChoices):
    OPTION = "option", _("期权")
    ASSET_MGMT = "asset_mgmt", _("资管产品")
    OTC = "otc", _("场外衍生品")
    OTHER = "other", _("其他")
