import dataclasses
import sys

import pytest

from punie.agent.factory import create_server_model, server_model_settings
from punie.errors import UsageError
from punie.serve.config import ServerConfig, build_server_command


def test_seed_defaults_and_base_url() -> None:
    config = ServerConfig(model_path="m")
    assert (config.port, config.host, config.adapter_path) == (8080, "127.0.0.1", None)
    assert config.max_kv_size is None and config.repetition_penalty is None
    assert config.base_url == "http://127.0.0.1:8080/v1"
    assert ServerConfig(model_path="m", host="::1", port=9).base_url == "http://[::1]:9/v1"


def test_config_is_frozen() -> None:
    config = ServerConfig(model_path="m")
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.port = 1  # type: ignore[misc]


@pytest.mark.parametrize("port", [-1, 65536, 100000])
def test_port_out_of_range_is_a_usage_error(port: int) -> None:
    with pytest.raises(UsageError, match="out of range"):
        ServerConfig(model_path="m", port=port)


def test_max_kv_size_is_rejected_not_dropped() -> None:
    with pytest.raises(UsageError, match="no --max-kv-size"):
        ServerConfig(model_path="m", max_kv_size=4096)


def test_negative_sampling_values_rejected() -> None:
    with pytest.raises(UsageError, match="temperature"):
        ServerConfig(model_path="m", temperature=-0.1)
    with pytest.raises(UsageError, match="repetition_penalty"):
        ServerConfig(model_path="m", repetition_penalty=-1.0)


def test_minimal_command() -> None:
    cmd = build_server_command(ServerConfig(model_path="/models/x", port=9000), python="py")
    assert cmd == [
        "py",
        "-m",
        "punie.runtime.engine_main",
        "mlx_lm",
        "server",
        "--model",
        "/models/x",
        "--host",
        "127.0.0.1",
        "--port",
        "9000",
        "--log-level",
        "INFO",
    ]


def test_every_option_reaches_the_command() -> None:
    config = ServerConfig(
        model_path="m",
        port=1234,
        adapter_path="/a",
        chat_template="{{x}}",
        chat_template_args={"enable_thinking": False},
        temperature=0.2,
        top_p=0.9,
        top_k=40,
        min_p=0.05,
        max_tokens=256,
        prompt_cache_size=4,
        prompt_cache_bytes=1 << 30,
        decode_concurrency=2,
        prompt_concurrency=1,
        extra_args=("--trust-remote-code",),
    )
    cmd = build_server_command(config)
    assert cmd[0] == sys.executable
    assert cmd[1:5] == ["-m", "punie.runtime.engine_main", "mlx_lm", "server"]
    pairs = dict(zip(cmd[5::2], cmd[6::2], strict=False))
    assert pairs["--adapter-path"] == "/a"
    assert pairs["--chat-template"] == "{{x}}"
    assert pairs["--chat-template-args"] == '{"enable_thinking": false}'
    assert pairs["--temp"] == "0.2" and pairs["--top-p"] == "0.9" and pairs["--top-k"] == "40"
    assert pairs["--min-p"] == "0.05" and pairs["--max-tokens"] == "256"
    assert pairs["--prompt-cache-size"] == "4" and pairs["--prompt-cache-bytes"] == str(1 << 30)
    assert pairs["--decode-concurrency"] == "2" and pairs["--prompt-concurrency"] == "1"
    assert cmd[-1] == "--trust-remote-code"


def test_port_zero_must_be_resolved_first() -> None:
    with pytest.raises(ValueError, match="port 0"):
        build_server_command(ServerConfig(model_path="m", port=0))


def test_repetition_penalty_travels_per_request() -> None:
    assert server_model_settings(ServerConfig(model_path="m")) == {}
    settings = server_model_settings(ServerConfig(model_path="m", repetition_penalty=1.1))
    assert settings["extra_body"] == {"repetition_penalty": 1.1}


def test_create_server_model_points_at_base_url() -> None:
    model = create_server_model(ServerConfig(model_path="m", port=4321))
    assert model.model_name == "default_model"
    assert str(model.client.base_url).rstrip("/") == "http://127.0.0.1:4321/v1"


def test_create_server_model_takes_a_keyed_endpoint() -> None:
    from punie.serve.endpoint import Endpoint

    endpoint = Endpoint("https://llm.example/v1", api_key="k3y", headers=(("X-Team", "punie"),))
    model = create_server_model(endpoint, "served")
    assert model.model_name == "served" and str(model.client.base_url).rstrip("/") == "https://llm.example/v1"
    assert model.client.api_key == "k3y" and model.client.default_headers["X-Team"] == "punie"
