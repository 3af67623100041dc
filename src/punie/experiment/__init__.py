"""`punie experiment run`: validate, evaluate the base, train, evaluate the adapter, compare, record."""
