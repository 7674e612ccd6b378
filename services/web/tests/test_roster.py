from web.models import Grade, Student
from web.roster import GRADES_UNAVAILABLE, UNKNOWN_GRADE, join

STUDENTS = [Student(1, "Ada Lovelace", "G1"), Student(2, "Cher", "G9"), Student(3, "Nobody", "")]
GRADES = [Grade("G1", "North", "Mr. Smith")]


def test_each_student_gets_the_building_and_teacher_of_their_grade_or_a_note():
    rows = join(STUDENTS, GRADES)
    assert [(r.student.id, r.building, r.teacher, r.note) for r in rows] == [
        (1, "North", "Mr. Smith", ""),
        (2, "", "", UNKNOWN_GRADE),
        (3, "", "", UNKNOWN_GRADE),
    ]


def test_without_grades_every_student_is_kept_and_marked():
    rows = join(STUDENTS, None)
    assert [r.student for r in rows] == STUDENTS
    assert {r.note for r in rows} == {GRADES_UNAVAILABLE}
