"""The tools-aware template, rendered with the same Jinja settings transformers uses."""

import json

from jinja2.sandbox import ImmutableSandboxedEnvironment

from punie.runtime.chat_template import template_hash, tools_chat_template

READ_FILE = {
    "type": "function",
    "function": {
        "name": "read_file",
        "description": "Read a file",
        "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
    },
}


def render(messages: list[dict], tools: list[dict] | None = None, add_generation_prompt: bool = False) -> str:
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson"] = lambda value: json.dumps(value, ensure_ascii=False)
    template = env.from_string(tools_chat_template())
    return template.render(messages=messages, tools=tools, add_generation_prompt=add_generation_prompt)


def test_plain_chat_is_chatml_with_default_system() -> None:
    text = render([{"role": "user", "content": "Hi"}], add_generation_prompt=True)
    assert text == (
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
        "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"
    )


def test_tools_render_into_system_prompt() -> None:
    text = render([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "x"}], [READ_FILE])
    assert text.startswith("<|im_start|>system\nBe brief.\n\n# Tools")
    assert json.dumps(READ_FILE["function"]) in text
    assert '<tool_call>\n{"name": <function-name>' in text


def test_structured_call_and_tool_result() -> None:
    messages = [
        {"role": "user", "content": "read main.py"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [
                {"type": "function", "function": {"name": "read_file", "arguments": {"path": "main.py"}}}
            ],
        },
        {"role": "tool", "content": "print(1)"},
        {"role": "assistant", "content": "It prints 1."},
    ]
    text = render(messages, [READ_FILE])
    assert (
        '<|im_start|>assistant\n<tool_call>\n{"name": "read_file", "arguments": {"path": "main.py"}}\n</tool_call><|im_end|>'
        in text
    )
    assert "<|im_start|>user\n<tool_response>\nprint(1)\n</tool_response><|im_end|>" in text
    assert text.endswith("<|im_start|>assistant\nIt prints 1.<|im_end|>\n")


def test_arguments_as_json_string_render_the_same() -> None:
    as_dict = [{"function": {"name": "f", "arguments": {"a": 1}}}]
    as_text = [{"function": {"name": "f", "arguments": '{"a": 1}'}}]
    first = render([{"role": "assistant", "content": "", "tool_calls": as_dict}])
    second = render([{"role": "assistant", "content": "", "tool_calls": as_text}])
    assert first == second


def test_mlx_lm_recognises_the_tool_format() -> None:
    # mlx-lm picks its json_tools parser when a template names both of these.
    template = tools_chat_template()
    assert "<tool_call>" in template and "tool_call.name" in template


def test_hash_is_stable_and_short() -> None:
    assert template_hash("abc") == template_hash("abc") != template_hash("abd")
    assert len(template_hash(tools_chat_template())) == 16
