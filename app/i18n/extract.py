"""The Babel extractor of the requirement files (babel.cfg `[extractors]`): every `message` and `hint`
of app/requirements/*.yaml is a catalog msgid, as `msg_format` makes it (`{name}` → `%(name)s`)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from app.i18n.message import format_template


def extract_requirements(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    """(line number, function name, msgid, comments) of each `message:` / `hint:` text."""
    import yaml

    loader = yaml.SafeLoader(fileobj.read().decode("utf-8"))
    try:
        root = loader.get_single_node()
    finally:
        loader.dispose()
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value in ("message", "hint") and isinstance(value, yaml.ScalarNode) and value.value.strip():
                    yield value.start_mark.line + 1, None, format_template(value.value), [f"requirements {key.value}"]
                else:
                    stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
