from django.contrib.auth.models import User
from django.test import TestCase, override_settings
from rest_framework import status

from grades_svc.models import Grade


@override_settings(DEBUG=False)
class AdminTests(TestCase):
    def test_login_page_renders_with_its_css_under_the_grades_prefix(self) -> None:
        response = self.client.get("/admin/login/")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertContains(response, 'name="password"')
        self.assertContains(response, "/grades-static/admin/css/base.css")

    def test_css_is_served_without_debug_and_without_collectstatic(self) -> None:
        response = self.client.get("/grades-static/admin/css/base.css")
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertTrue(response["Content-Type"].startswith("text/css"))
        self.assertIn(b"body", b"".join(response.streaming_content))

    def test_the_admin_lists_and_searches_grades(self) -> None:
        Grade.objects.create(grade_id="G1", building="North", teacher="Mr. Smith")
        Grade.objects.create(grade_id="G2", building="South", teacher="Ms. Jones")
        self.client.force_login(User.objects.create_superuser("admin", "admin@example.com", "pw"))
        response = self.client.get("/admin/grades_svc/grade/", {"q": "South"})
        self.assertEqual(response.status_code, status.HTTP_200_OK)
        self.assertContains(response, "Ms. Jones")
        self.assertNotContains(response, "Mr. Smith")

    def test_the_admin_redirects_to_login_and_sends_no_frame_permission(self) -> None:
        response = self.client.get("/admin/")
        self.assertEqual(response.status_code, status.HTTP_302_FOUND)
        self.assertEqual(response["X-Frame-Options"], "DENY")
