"""The prepared model's tokenizer renders tools and tool calls through our template."""

from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_prepared_tokenizer_renders_tools(serve_model_dir: Path, train_model_dir: Path) -> None:
    from mlx_lm.tokenizer_utils import load

    tools = [{"type": "function", "function": {"name": "read_file", "parameters": {"type": "object"}}}]
    messages = [
        {"role": "user", "content": "read a.py"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [{"function": {"name": "read_file", "arguments": {"path": "a.py"}}}],
        },
    ]
    rendered = []
    for directory in (serve_model_dir, train_model_dir):
        tokenizer = load(directory)
        assert tokenizer.has_tool_calling  # mlx-lm will parse <tool_call> blocks from output
        text = tokenizer.apply_chat_template(messages, tools=tools, tokenize=False)
        assert '<tool_call>\n{"name": "read_file", "arguments": {"path": "a.py"}}\n</tool_call>' in text
        assert '"name": "read_file"' in text.split("<|im_end|>")[0]
        rendered.append(text)
    assert rendered[0] == rendered[1]  # training and serving render identically
