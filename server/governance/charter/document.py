"""The charter as a document: clauses, the parameter block, HTML with anchors, diffs.

Pure functions over the Markdown text; nothing here touches the database.

Clauses are headings whose text starts with a section mark and a number:
`## §4 Decisions`, `### §4.2 Quorum`. The clause id is the mark and number (`§4.2`), its
anchor in the HTML is `clause-4-2`. Ids stay stable across versions as long as amendments
keep the numbering, which is why amendments should add numbers rather than renumber.

The machine-readable parameters live in the same document, in one fenced block whose
info string is `toml charter-parameters`, so members vote on the text and the numbers
together and the two can never disagree about which version they belong to.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from server.errors import ValidationError

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

PARAMETERS_INFO = "toml charter-parameters"
MAX_LENGTH = 200_000
_CLAUSE = re.compile(r"^§(\d+(?:\.\d+)*)\s+(.+)$")


@dataclass(frozen=True)
class Clause:
    id: str        # "§4.2"
    number: str    # "4.2"
    title: str     # "Quorum"
    level: int     # heading level, 2 for "##"

    @property
    def anchor(self) -> str:
        return "clause-" + self.number.replace(".", "-")


def _markdown() -> MarkdownIt:
    from markdown_it import MarkdownIt  # 20 ms to import, for governance pages only

    # Raw HTML off: a member-written amendment must not be able to inject markup.
    return MarkdownIt("commonmark", {"html": False, "linkify": False})


def clauses(text: str) -> list[Clause]:
    """Every clause heading in document order; refuses duplicate ids."""
    found: list[Clause] = []
    tokens = _markdown().parse(text)
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        match = _CLAUSE.match(tokens[i + 1].content.strip())
        if match:
            found.append(Clause(f"§{match.group(1)}", match.group(1), match.group(2).strip(),
                                int(token.tag[1])))
    seen: set[str] = set()
    for clause in found:
        if clause.id in seen:
            raise ValidationError(f"The charter has two clauses numbered {clause.id}.")
        seen.add(clause.id)
    return found


def parameter_block(text: str) -> dict[str, Any]:
    """The parsed TOML of the one `charter-parameters` block."""
    blocks = [t for t in _markdown().parse(text)
              if t.type == "fence" and t.info.strip() == PARAMETERS_INFO]
    if len(blocks) != 1:
        raise ValidationError(
            f"The charter must contain exactly one ```{PARAMETERS_INFO} block "
            f"(found {len(blocks)}).")
    try:
        return tomllib.loads(blocks[0].content)
    except tomllib.TOMLDecodeError as exc:
        raise ValidationError(f"The charter's parameter block is not valid TOML: {exc}") from None


def check_text(text: object) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("The charter text is empty.", field="text")
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"The charter text is longer than {MAX_LENGTH} characters.",
                              field="text")
    return text.replace("\r\n", "\n")


def render_html(text: str) -> Markup:
    """The charter as HTML, each clause heading carrying its anchor id."""
    md = _markdown()
    tokens = md.parse(text)
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            match = _CLAUSE.match(tokens[i + 1].content.strip())
            if match:
                token.attrSet("id", "clause-" + match.group(1).replace(".", "-"))
    return Markup(md.renderer.render(tokens, md.options, {}))  # noqa: S704 - escaped by markdown-it


def diff_html(old: str, new: str, *, old_label: str, new_label: str) -> Markup:
    """A side-by-side table of the changed lines with some context (no JavaScript)."""
    table = difflib.HtmlDiff(wrapcolumn=70).make_table(
        old.splitlines(), new.splitlines(), fromdesc=old_label, todesc=new_label,
        context=True, numlines=2)
    return Markup(table)  # noqa: S704 - difflib escapes the compared text


def changed_lines(old: str, new: str) -> tuple[int, int]:
    """(lines added, lines removed): a short summary for the history page."""
    added = removed = 0
    for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed
