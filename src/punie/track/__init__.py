"""Experiment trackers (`--report-to mlflow|wandb|trackio`): punie's runs logged through each
tracker's own client library, to its local store when there is no network."""
