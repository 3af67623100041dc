"""Several endpoints sharing one suite, keyed endpoints, and the endpoints file (fake servers at
the HTTP transport, routed by host)."""

from pathlib import Path

import httpx
import pytest

from punie.errors import UsageError
from punie.eval.runner import run_evaluation
from punie.serve.endpoint import Endpoint, endpoints_from_file, endpoints_from_flags, parse_header
from tests.unit.eval.test_eval_runner import FakeServer, config


class Hosts:
    """One fake server per host; records the headers each request carried."""

    def __init__(self, **servers: FakeServer) -> None:
        self.servers = servers
        self.headers: dict[str, list[dict[str, str]]] = {host: [] for host in servers}

    async def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        self.headers[host].append(dict(request.headers))
        return await self.servers[host].handle(request)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


async def test_two_endpoints_share_the_prompts_and_score_as_one(tmp_path: Path) -> None:
    one = await run_evaluation(config(tmp_path / "one"), transport=FakeServer().transport())
    hosts = Hosts(a=FakeServer(delay=0.01), b=FakeServer(delay=0.01))
    endpoints = (Endpoint("http://a/v1", concurrency=1), Endpoint("http://b/v1", concurrency=1))
    two = await run_evaluation(config(tmp_path / "two", endpoints=endpoints), transport=hosts.transport())

    def scored(report: object) -> list[dict[str, object]]:
        rows = [
            {k: v for k, v in r.to_dict().items() if k not in ("seconds", "endpoint")} for r in report.results
        ]  # type: ignore[attr-defined]
        return sorted(rows, key=lambda row: str(row["id"]))

    assert two.complete and scored(two) == scored(one)
    assert hosts.servers["a"].asked and hosts.servers["b"].asked  # both answered some
    assert two.settings["base_url"] == "http://a/v1, http://b/v1"


async def test_a_dead_endpoint_leaves_its_prompts_to_the_other(tmp_path: Path) -> None:
    """Issue 31: the prompt in flight on an endpoint that dies goes to a live one, the run is
    complete, and each result names the endpoint that answered it."""
    hosts = Hosts(a=FakeServer(die_after=0), b=FakeServer())
    endpoints = (Endpoint("http://a/v1", concurrency=1), Endpoint("http://b/v1", concurrency=1))
    run = config(tmp_path, endpoints=endpoints, retry_waits=(0.01,))
    notices: list[str] = []
    report = await run_evaluation(run, transport=hosts.transport(), notice=notices.append)
    assert len(report.results) == 4 and report.complete and report.error is None
    assert not [r for r in report.results if r.failure == "server_error"]
    assert {r.endpoint for r in report.results} == {"http://b/v1"} and len(hosts.servers["b"].asked) >= 4
    assert any("http://a/v1" in n and "live ones answered" in n for n in notices)


async def test_when_every_endpoint_dies_the_rest_is_recorded_unanswered(tmp_path: Path) -> None:
    hosts = Hosts(a=FakeServer(die_after=0), b=FakeServer(die_after=1))
    endpoints = (Endpoint("http://a/v1", concurrency=1), Endpoint("http://b/v1", concurrency=1))
    report = await run_evaluation(
        config(tmp_path, endpoints=endpoints, retry_waits=(0.01,)), transport=hosts.transport()
    )
    assert len(report.results) == 4 and not report.complete
    assert "http://a/v1" in str(report.error) and "http://b/v1" in str(report.error)
    assert sum(r.failure == "server_error" for r in report.results) >= 3


async def test_a_keyed_endpoint_gets_its_key_and_headers(tmp_path: Path) -> None:
    hosts = Hosts(k=FakeServer())
    (endpoint,) = endpoints_from_flags(
        ["http://k/v1"], "MY_KEY", ["X-Team: punie"], 2, environ={"MY_KEY": "s3cret"}
    )
    report = await run_evaluation(config(tmp_path, endpoints=(endpoint,)), transport=hosts.transport())
    assert report.complete
    assert all(h["authorization"] == "Bearer s3cret" and h["x-team"] == "punie" for h in hosts.headers["k"])
    assert "s3cret" not in (tmp_path / "run" / "report.json").read_text()  # never written down


def test_endpoint_flags_and_files_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="MISSING: that environment variable is not set"):
        endpoints_from_flags(["http://x/v1"], "MISSING", [], 1, environ={})
    with pytest.raises(UsageError, match="Name: value"):
        parse_header("no colon here")
    with pytest.raises(UsageError, match="http:// or https://"):
        Endpoint("localhost:8080/v1")
    good = tmp_path / "endpoints.yaml"
    good.write_text(
        "- url: http://a/v1\n  concurrency: 2\n- url: https://b/v1\n  api_key_env: K\n  headers: {X-A: b}\n"
    )
    a, b = endpoints_from_file(good, environ={"K": "key"})
    assert (a.concurrency, b.api_key, b.headers) == (2, "key", (("X-A", "b"),))
    bad = tmp_path / "bad.yaml"
    bad.write_text("- url: http://a/v1\n- url: http://b/v1\n  concurency: 2\n")
    with pytest.raises(UsageError, match=r"bad.yaml:2: concurency: unknown field"):
        endpoints_from_file(bad)
    bad.write_text("- url: http://a/v1\n  concurrency: many\n")
    with pytest.raises(UsageError, match=r"bad.yaml:1: concurrency: an integer"):
        endpoints_from_file(bad)
