"""A tracker that starts, then fails at its first metrics (its store filled up)."""

from punie.track.tracker import RunInfo
from tests.unit.track.fake_trackers import Recorder


def start(info: RunInfo) -> Recorder:
    return Recorder(info, fail_on_metrics=True)
