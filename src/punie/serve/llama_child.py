"""Serve a GGUF with llama.cpp's own HTTP server (through the `xllamacpp` binding), in a child
process that `ServerProcess` starts, proves ready and stops like `mlx_lm.server`.

Usage: python -m punie.serve.llama_child --model F.gguf --host H --port P --parallel N
       [--chat-template-file F.jinja | --chat-template TEXT] [--lora A.gguf] [--threads T]
       [--alias NAME] [--slot-save-path DIR]

It speaks the same OpenAI-compatible API (`/v1/chat/completions`, `/health`, `/v1/models`) and
runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from punie.errors import install_excepthook

CONTEXT_PER_SLOT = 4096  # tokens a slot may hold (one prompt's whole agent loop)


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="punie.serve.llama_child")
    parser.add_argument("--model", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--parallel", type=int, default=16)
    parser.add_argument("--chat-template-file", default=None)
    parser.add_argument("--chat-template", default=None, help="the template itself")
    parser.add_argument("--lora", default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--alias", default=None, help="the name /v1/models lists")
    parser.add_argument("--slot-save-path", default=None, help="where /slots saves and restores caches")
    return parser.parse_args(argv)


def main() -> None:
    install_excepthook()
    args = parse(sys.argv[1:])
    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = args.model
    if args.alias:
        params.model_alias = {args.alias}
    params.hostnames = [args.host]
    params.port = args.port
    params.n_parallel = args.parallel
    params.n_ctx = CONTEXT_PER_SLOT * args.parallel
    if args.slot_save_path:  # punie.serve.slots: one slot's cache copied into the others
        params.slot_save_path = args.slot_save_path
        params.endpoint_slots = True
    params.n_threads_http = args.parallel + 4  # every client connection has a thread, none waits
    threads = args.threads or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None)
    if threads:
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
    # Waiting threads sleep instead of spinning: beside another busy process (a training, a
    # second server) spinning threads slowed decoding a hundredfold on 2 cores.
    params.cpuparams.poll = 0
    params.cpuparams_batch.poll = 0
    template = args.chat_template
    if args.chat_template_file:
        template = Path(args.chat_template_file).read_text(encoding="utf-8")
    if template:
        params.chat_template = template
        params.use_jinja = True
    # Tool calls come back as the text the model wrote, parsed by punie as for mlx_lm.server: no
    # grammar constrains them to the offered tools (that would score a different model).
    params.force_pure_content_parser = True
    if args.lora:
        params.lora_adapters = [xllamacpp.CommonAdapterLoraInfo(args.lora, 1.0)]
    stop = {"now": False}

    def on_signal(_signum: int, _frame: object) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server = xllamacpp.Server(params)
    print(f"punie: llama.cpp serving {args.model} at {server.listening_address}", flush=True)
    while not stop["now"]:
        signal.pause()
    sys.stdout.flush()
    os._exit(0)  # the binding's native threads are not joined: nothing is left to write


if __name__ == "__main__":
    main()
