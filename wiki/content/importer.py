"""Bring existing content in: a folder of Markdown files becomes pages."""
from dataclasses import dataclass, field
from pathlib import Path

from ..names import to_name
from .pages import ContentError, save_page


@dataclass
class ImportSummary:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (file, reason)


def markdown_files(folder) -> list[Path]:
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix.lower() in (".md", ".markdown"))


def import_markdown(files, *, root, author: str = "import", progress=None) -> ImportSummary:
    """Import each file as the page named after it (sub/folder/file.md -> "sub-folder-file").

    The title comes from the first `# heading` (save_page reads it). Re-importing an unchanged
    file creates no revision; a changed file becomes a new revision, never an overwrite.
    """
    summary = ImportSummary()
    for path in files:
        on_disk = Path(path).relative_to(root)          # reported as it is: "sub/latin.md"
        name = to_name("-".join(on_disk.with_suffix("").parts))
        try:
            text = Path(path).read_text(encoding="utf-8")
            current = _current_revision_id(name)
            result = save_page(name, text, base_revision=current, author=author,
                               comment="Import", action="import")
        except UnicodeDecodeError:
            summary.failed.append((on_disk.as_posix(), "not UTF-8 text"))
        except ContentError as exc:
            summary.failed.append((on_disk.as_posix(), str(exc.message)))
        else:
            bucket = (summary.unchanged if result.unchanged else
                      summary.created if result.created else summary.updated)
            bucket.append(name)
        if progress:
            progress(1)
    return summary


def _current_revision_id(name: str):
    from ..models import Page
    page = Page.get_or_none(Page.name == name) if name else None
    return page.revision if page else None
