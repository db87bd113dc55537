"""data-interface.md read to the letter, second round: what the first audit
(``test_import_interface_letter.py``) left."""

from huifang.customers.importers import import_file
from huifang.org.models import Branch


def test_a_branches_file_without_the_parent_column_leaves_the_tree_as_it_is(
    branches, imp_write_csv
):
    """Renaming branches with a file of 部门代码 and 部门名称 only: an absent column leaves
    the field as it is, so 0101 stays under 01 (an empty cell would make it top level)."""
    header = ["部门代码", "部门名称"]
    result = import_file("branches", imp_write_csv(header, [["0101", "北京分公司（新）"]]))
    assert (result.ok, result.updated) == (True, 1), result.errors
    branch = Branch.objects.get(code="0101")
    assert (branch.name, branch.parent.code, branch.path) == ("北京分公司（新）", "01", "/01/0101/")
    assert Branch.objects.get(code="010101").path == "/01/0101/010101/"


def test_a_branches_file_without_the_parent_column_changes_nothing_twice(branches, imp_write_csv):
    rows = [["0101", "北京分公司"], ["0102", "上海分公司"], ["0103", "广州分公司"]]
    path = imp_write_csv(["部门代码", "部门名称"], rows)
    result = import_file("branches", path)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 2)
    assert Branch.objects.get(code="0103").parent is None  # a new one: top level
    result = import_file("branches", path)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 3)


def test_an_empty_parent_cell_still_makes_a_branch_top_level(branches, imp_write_csv):
    header = ["部门代码", "部门名称", "上级部门代码"]
    import_file("branches", imp_write_csv(header, [["0102", "上海分公司", ""]]))
    assert Branch.objects.get(code="0102").path == "/0102/"
