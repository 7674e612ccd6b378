import pytest
from agent.config import Config, ConfigError

GOOD = {"AGENT_TOKEN": "x", "AGENT_HOST": "10.1.2.3", "AGENT_UNITS": "grades, agent-x"}


def test_config_from_env() -> None:
    config = Config.from_env(GOOD)
    assert config.units == ("grades", "agent-x")
    assert config.port == 9100


@pytest.mark.parametrize("change", [
    {"AGENT_TOKEN": ""},  # no token: refuse to start
    {"AGENT_HOST": "0.0.0.0"},  # never every interface
    {"AGENT_PORT": "nine"},
    {"AGENT_UNITS": "grades,../etc"},
    {"AGENT_UNITS": "--all"},
])
def test_bad_settings_refuse_to_start(change: dict[str, str]) -> None:
    with pytest.raises(ConfigError):
        Config.from_env({**GOOD, **change})
