"""A suite's stateful tool module, run inside the sandbox as `python -I -S -c <this text> SPEC`.

SPEC (a JSON file in the workspace) names each class and the module that defines it (a file
beside SPEC, or a module of an installed package whose directory the sandbox may read: SPEC's
`packages`), their initial state, and the calls to make, in batches (one batch per model turn,
or per expected turn). Fresh instances are made, the initial state loaded (`_load_scenario(state,
**load_options)` where the class has one, as BFCL's classes do; otherwise each key set as an
attribute), then every call is made in order: the state is kept across the batches of one run.
After each batch the instances' public attributes are taken as plain data.

With `expected` (a second list of batches) a second, separate set of instances makes those calls
too, and each pair in `compare` ([batch of the first, batch of the second]; -1: before any)
is judged as BFCL's state checker judges: every public attribute of the second set's instance
against the first's, with the classes' own `==`. The first difference of each pair comes back.

What comes back, on the descriptor this process starts with as stdout, after a line holding
MARKER: JSON with each call's result (text; a raised exception is `error: Type: message`) and
the state after each batch. The module's own prints go to /dev/null. Standard library only.
"""

import copy
import hashlib
import importlib.util
import json
import os
import random
import sys
import traceback
import types

MARKER = "PUNIE-TOOL-MODULE-RESULT"
RESULT_LIMIT = 4000
BATCH_LIMIT = 14000  # a batch's results together: what comes back must fit the sandbox's output tail
SHOWN = 300  # characters of a state or a result shown in a verdict
DEPTH = 8


def plain(value, depth=0, above=()):
    """Data as JSON holds it: containers recursively, objects by their public attributes (an
    object that holds one of the objects above it, such as a directory's parent: `<cycle>`)."""
    if depth > DEPTH:
        return repr(value)[:200]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if id(value) in above:
        return "<cycle>"
    inner = (*above, id(value))
    if isinstance(value, dict):
        return {str(k): plain(v, depth + 1, inner) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1, inner) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v, depth + 1, inner) for v in value), key=repr)
    if getattr(value, "__dict__", None):
        return {k: plain(v, depth + 1, inner) for k, v in vars(value).items() if not k.startswith("_")}
    return repr(value)[:200]


def state_of(instances):
    return {name: plain(obj) for name, obj in instances.items()}


def as_text(result):
    """A call's result as the model reads it, by BFCL's rule: text as it is, a dict as JSON (or
    `str` when it holds what JSON cannot: mpmath's numbers), anything else by `str`. Whole: the
    response check compares digests of the whole text; what is sent back is cut (`clipped`)."""
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        try:
            return json.dumps(result)
        except (TypeError, ValueError):
            return str(result)
    return str(result)


def state_text(value):
    """State as text for a verdict's first difference."""
    try:
        return json.dumps(plain(value), sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def find(name, instances, modules):
    """The tool `name`: a public method of an instance, else a public function of a module."""
    if name.startswith("_"):
        return None
    for obj in instances.values():
        if callable(getattr(type(obj), name, None)):
            return getattr(obj, name)
    for module in modules:
        function = getattr(module, name, None)
        if callable(function) and not isinstance(function, type):
            return function
    return None


class Failed(Exception):
    """The tool module itself cannot run: the whole answer is this error."""


def importable(packages):
    """Each (name, directory) of an installed package importable from the directory alone (the
    only part of it the sandbox can read): the packages above it become empty ones whose search
    path holds that directory's parent."""
    for name, directory in packages:
        parent, _, _ = name.rpartition(".")
        if not parent:
            sys.path.append(os.path.dirname(directory))
            continue
        parts = parent.split(".")
        for depth in range(1, len(parts) + 1):
            prefix = ".".join(parts[:depth])
            if prefix not in sys.modules:
                stub = types.ModuleType(prefix)
                stub.__path__ = []
                sys.modules[prefix] = stub
                if depth > 1:
                    setattr(sys.modules[".".join(parts[: depth - 1])], parts[depth - 1], stub)
        sys.modules[parent].__path__.append(os.path.dirname(directory))


def load(module_name, name):
    try:
        return getattr(importlib.import_module(module_name), name)
    except BaseException as exc:
        raise Failed(f"the tool module failed to import: {type(exc).__name__}: {exc}") from None


def start(spec):
    """Fresh instances of every class, each loaded with its initial state."""
    instances = {}
    for name, module_name in spec["classes"]:
        cls = load(module_name, name)
        try:
            obj = cls()
            state = copy.deepcopy(spec["initial_state"].get(name))  # each set of instances its own
            if hasattr(obj, "_load_scenario"):
                obj._load_scenario(state or {}, **spec.get("load_options", {}))
            elif state is not None:
                for key, value in state.items():
                    setattr(obj, key, value)
            instances[name] = obj
        except BaseException as exc:
            raise Failed(f"{name} failed to start: {type(exc).__name__}: {exc}") from None
    return instances


def play(spec, batches, states="none", keep=False):
    """Each batch's results; the state before any and after each batch (`states` "all"), after
    the last only ("last") or none ("none": a state is taken only when it is asked for, since a
    large one costs each replay); with `keep`, a copy of the live instances after each batch,
    for `differences`."""
    random.seed(0)
    instances = start(spec)
    modules = [sys.modules[m] for m in dict.fromkeys(m for _, m in spec["classes"])]
    results, after, kept = [], [], [copy.deepcopy(instances)] if keep else []
    initial = state_of(instances) if states != "none" else {}
    for index, batch in enumerate(batches):
        answered = []
        for call in batch:
            target = find(call["name"], instances, modules)
            if target is None:
                answered.append(f"error: no tool named {call['name']!r}")
                continue
            try:
                answered.append(as_text(target(**call["arguments"])))
            except BaseException as exc:
                answered.append(f"error: {type(exc).__name__}: {exc}"[:RESULT_LIMIT])
        results.append(answered)
        if states == "all" or (states == "last" and index == len(batches) - 1):
            after.append(state_of(instances))
        if keep:
            kept.append(copy.deepcopy(instances))
    return results, after, initial, kept


def difference(mine, wanted):
    """The first public attribute of a `wanted` instance that `mine` does not equal (BFCL's
    state checker: the class's own `==` decides), as [class, attribute, mine, wanted]."""
    for cls, want in wanted.items():
        got = mine.get(cls)
        for attr, value in vars(want).items():
            if attr.startswith("_"):
                continue
            have = getattr(got, attr, None)
            try:
                same = have == value
            except BaseException:
                same = False
            if not same:
                return [cls, attr, state_text(have)[:SHOWN], state_text(value)[:SHOWN]]
    return None


def digest(text):
    return hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:16]


def clipped(batch):
    """A batch's results, each cut so that together they fit what comes back."""
    share = min(RESULT_LIMIT, BATCH_LIMIT // max(1, len(batch)))
    return [r[:share] for r in batch]


def run(spec):
    sys.path.insert(0, os.getcwd())
    importable(spec.get("packages", []))
    try:
        comparing = "expected" in spec
        results, states, initial, mine = play(spec, spec["batches"], spec.get("states", "all"), comparing)
        shown = {
            "all": lambda: [clipped(b) for b in results],
            "last": lambda: [[] for _ in results[:-1]] + [clipped(b) for b in results[-1:]],
            "digest": lambda: [[digest(r) for r in b] for b in results],
        }[spec.get("results", "all")]()
        answer = {"results": shown, "states": states, "initial": initial}
        if comparing:
            expected, _, _, wanted = play(spec, spec["expected"], keep=True)
            answer["expected_results"] = [[[digest(r), r[:SHOWN]] for r in b] for b in expected]
            answer["differences"] = [difference(mine[a + 1], wanted[b + 1]) for a, b in spec["compare"]]
    except Failed as exc:
        return {"error": str(exc)[:RESULT_LIMIT]}
    return answer


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
