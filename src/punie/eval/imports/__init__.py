"""`punie suite import`: public benchmarks as suite files, from the data their PyPI packages ship.

Each importer is a pure function of the package's data (tested on small samples), and writes a
YAML suite a person can read and edit. The packages are the optional extra `benchmarks`.
"""
