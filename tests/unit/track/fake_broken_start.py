"""A tracker whose client cannot start a run (an unreachable server, a bad key)."""

from punie.track.tracker import RunInfo


def start(info: RunInfo) -> object:
    raise ConnectionError(f"cannot reach the tracking server for {info.name}")
