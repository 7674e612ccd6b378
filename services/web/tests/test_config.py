import pytest
from web import create_app
from web.config import DEFAULT_ALLOWED_HOSTS, DEFAULT_TIMEOUT_S, ConfigError, WebConfig

URLS = {"STUDENTS_URL": "http://127.0.0.1:8101", "GRADES_URL": "http://127.0.0.1:8102"}


@pytest.mark.parametrize("missing", ["STUDENTS_URL", "GRADES_URL"])
def test_missing_url_in_environment_fails_at_start_naming_it(monkeypatch, missing):
    for name, value in URLS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigError, match=missing):
        create_app()


def test_environment_is_read_when_no_mapping_is_given(monkeypatch):
    for name, value in {**URLS, "WEB_BACKEND_TIMEOUT": "0.25", "CHAOS_TOKEN": "t"}.items():
        monkeypatch.setenv(name, value)
    settings = create_app().config["WEB"]
    assert (settings.students_url, settings.timeout_s, settings.chaos_token) == (URLS["STUDENTS_URL"], 0.25, "t")


def test_defaults_keep_a_backend_call_within_one_second():
    settings = WebConfig.from_mapping(URLS)
    assert settings.timeout_s == DEFAULT_TIMEOUT_S <= 1.0
    assert 0 < settings.connect_timeout_s < settings.timeout_s
    assert settings.chaos_token == ""


@pytest.mark.parametrize("value", ["soon", "0", "-1", "nan", "3600"])
def test_bad_timeout_is_refused_naming_it(value):
    with pytest.raises(ConfigError, match="WEB_BACKEND_TIMEOUT"):
        WebConfig.from_mapping({**URLS, "WEB_BACKEND_TIMEOUT": value})


@pytest.mark.parametrize("url", ["127.0.0.1:8001", "ftp://127.0.0.1", "http://", "http://h/?x=1"])
def test_bad_url_is_refused_naming_it(url):
    with pytest.raises(ConfigError, match="GRADES_URL"):
        WebConfig.from_mapping({**URLS, "GRADES_URL": url})


def test_trailing_slash_is_dropped_so_paths_join_cleanly():
    assert WebConfig.from_mapping({**URLS, "STUDENTS_URL": "http://127.0.0.1:8101/"}).students_url.endswith("8101")


def test_allowed_hosts_are_loopback_and_the_service_name_by_default():
    assert WebConfig.from_mapping(URLS).allowed_hosts == DEFAULT_ALLOWED_HOSTS == ("127.0.0.1", "localhost", "web")


def test_allowed_hosts_are_extended_from_the_environment(monkeypatch):
    for name, value in {**URLS, "WEB_ALLOWED_HOSTS": "10.0.0.5,Lab.Example.,[::1]"}.items():
        monkeypatch.setenv(name, value)
    allowed = create_app().config["WEB"].allowed_hosts
    assert allowed == (*DEFAULT_ALLOWED_HOSTS, "10.0.0.5", "lab.example", "[::1]")


@pytest.mark.parametrize("value", ["http://lab.example", "lab.example:8000", "lab.example/x", "two words", "::1"])
def test_a_bad_allowed_host_is_refused_naming_it(value):
    with pytest.raises(ConfigError, match="WEB_ALLOWED_HOSTS"):
        WebConfig.from_mapping({**URLS, "WEB_ALLOWED_HOSTS": value})
