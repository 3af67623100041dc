"""A suite's stateful tool module, run inside the sandbox as `python -I -S -c <this text> SPEC`.

SPEC (a JSON file in the workspace) names the module (a file beside it), its classes, their
initial state, and the calls to make, in batches (one batch per model turn, or per expected
turn). Fresh instances are made, the initial state loaded (`_load_scenario(state)` where the
class has one, as BFCL's classes do; otherwise each key set as an attribute), then every call is
made in order: the state is kept across the batches of one run. After each batch the instances'
public attributes are taken as plain data.

What comes back, on the descriptor this process starts with as stdout, after a line holding
MARKER: JSON with each call's result (text; a raised exception is `error: Type: message`) and
the state after each batch. The module's own prints go to /dev/null. Standard library only.
"""

import json
import os
import random
import sys
import traceback

MARKER = "PUNIE-TOOL-MODULE-RESULT"
RESULT_LIMIT = 4000
DEPTH = 8


def plain(value, depth=0):
    """Data as JSON holds it: containers recursively, objects by their public attributes."""
    if depth > DEPTH:
        return repr(value)[:200]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v, depth + 1) for v in value), key=repr)
    if hasattr(value, "__dict__"):
        return {k: plain(v, depth + 1) for k, v in vars(value).items() if not k.startswith("_")}
    return repr(value)[:200]


def state_of(instances):
    return {name: plain(obj) for name, obj in instances.items()}


def as_text(result):
    if isinstance(result, str):
        return result[:RESULT_LIMIT]
    try:
        return json.dumps(plain(result), sort_keys=True)[:RESULT_LIMIT]
    except (TypeError, ValueError):
        return repr(result)[:RESULT_LIMIT]


def find(name, instances, module):
    for obj in instances.values():
        method = getattr(type(obj), name, None)
        if callable(method) and not name.startswith("_"):
            return getattr(obj, name)
    function = getattr(module, name, None)
    if callable(function) and not name.startswith("_") and not isinstance(function, type):
        return function
    return None


def run(spec):
    sys.path.insert(0, os.getcwd())
    random.seed(0)
    try:
        module = __import__(spec["module"])
    except BaseException as exc:
        return {"error": f"the tool module failed to import: {type(exc).__name__}: {exc}"[:RESULT_LIMIT]}
    instances = {}
    for name in spec["classes"]:
        try:
            obj = getattr(module, name)()
            state = spec["initial_state"].get(name)
            if state is not None:
                if hasattr(obj, "_load_scenario"):
                    obj._load_scenario(state)
                else:
                    for key, value in state.items():
                        setattr(obj, key, value)
            instances[name] = obj
        except BaseException as exc:
            return {"error": f"{name} failed to start: {type(exc).__name__}: {exc}"[:RESULT_LIMIT]}
    results, states, initial = [], [], state_of(instances)
    for batch in spec["batches"]:
        answered = []
        for call in batch:
            target = find(call["name"], instances, module)
            if target is None:
                answered.append(f"error: no tool named {call['name']!r}")
                continue
            try:
                answered.append(as_text(target(**call["arguments"])))
            except BaseException as exc:
                answered.append(f"error: {type(exc).__name__}: {exc}"[:RESULT_LIMIT])
        results.append(answered)
        states.append(state_of(instances))
    return {"results": results, "states": states, "initial": initial}


def main():
    out = os.dup(1)
    quiet = os.open(os.devnull, os.O_WRONLY)
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    with open(sys.argv[1], encoding="utf-8") as handle:
        spec = json.load(handle)
    try:
        outcome = run(spec)
    except BaseException:
        outcome = {"error": traceback.format_exc()[-RESULT_LIMIT:]}
    payload = "\n" + MARKER + "\n" + json.dumps(outcome) + "\n"
    data = payload.encode("utf-8", "replace")
    while data:
        data = data[os.write(out, data) :]
    os._exit(0)


if __name__ == "__main__":
    main()
