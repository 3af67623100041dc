def test_seed_import_paths() -> None:
    from punie.agent.factory import create_server_model
    from punie.training import ServerConfig, ServerProcess
    from punie.training import create_server_model as reexported
    from punie.training.server import ServerProcess as SP
    from punie.training.server_config import ServerConfig as SC

    assert reexported is create_server_model
    assert SP is ServerProcess and SC is ServerConfig
