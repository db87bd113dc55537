import pytest

from huifang.core.masking import mask_email, mask_id, mask_phone


def test_id_number_keeps_first_three_and_last_four():
    assert mask_id("110101199001011234") == "110***********1234"


def test_mobile_keeps_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"


def test_email_whose_local_part_is_a_mobile_is_masked_like_the_mobile():
    assert mask_email("18216097175@139.com") == "182****7175@139.com"


@pytest.mark.parametrize(
    ("email", "masked"),
    [
        ("zhangsan.work@qq.com", "zh****rk@qq.com"),
        ("wangwu@163.com", "w****u@163.com"),
        ("abc@x.cn", "a****c@x.cn"),
        ("ab@x.cn", "a****@x.cn"),
        ("a@x.cn", "a****@x.cn"),
        ("12345678@qq.com", "12****78@qq.com"),
        ("a@b@example.com", "a****b@example.com"),
        ("no-at-sign", "no****gn"),
        ("", ""),
        (None, ""),
    ],
)
def test_email_keeps_the_domain_and_at_most_two_characters_at_each_end(email, masked):
    assert mask_email(email) == masked
