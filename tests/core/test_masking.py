from huifang.core.masking import mask_id, mask_phone


def test_id_number_keeps_first_three_and_last_four():
    assert mask_id("110101199001011234") == "110***********1234"


def test_mobile_keeps_first_three_and_last_four():
    assert mask_phone("13812345678") == "138****5678"
