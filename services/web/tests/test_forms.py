import pytest
from web.forms import NAME_MAX, StudentForm
from web.models import Student


@pytest.mark.parametrize(
    ("first", "last", "name"),
    [
        ("Cher", "", "Cher"),
        ("", "Cher", "Cher"),
        ("Ada", "Lovelace", "Ada Lovelace"),
        ("Mary  Ann", " Evans\t", "Mary Ann Evans"),
    ],
)
def test_any_number_of_words_joins_into_one_name(first, last, name):
    form = StudentForm.from_post({"first_name": first, "last_name": last, "grade": " G1 "})
    assert form.validate()
    assert form.fields() == {"name": name, "grade": "G1"}


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [("Cher", "Cher", ""), ("Ada Lovelace", "Ada", "Lovelace"), ("Mary Ann Evans", "Mary", "Ann Evans")],
)
def test_a_stored_name_of_any_length_splits_for_editing(name, first, last):
    form = StudentForm.from_student(Student(1, name, "G1"))
    assert (form.first_name, form.last_name, form.name) == (first, last, name)


def test_empty_and_too_long_names_and_long_grades_are_errors():
    assert StudentForm.from_post({"first_name": "  "}).validate() is False
    form = StudentForm.from_post({"first_name": "x" * NAME_MAX, "last_name": "y", "grade": "G" * 21})
    assert form.validate() is False
    assert set(form.errors) == {"name", "grade"}


def test_backend_field_errors_land_beside_their_inputs_and_the_rest_on_top():
    form = StudentForm(first_name="Ada")
    form.reject("invalid input", {"name": ["taken"], "age": ["unknown field"]})
    assert form.errors == {"name": ["taken"], "form": ["age: unknown field"]}
    form.reject("database is locked", {})
    assert form.errors == {"form": ["database is locked"]}
