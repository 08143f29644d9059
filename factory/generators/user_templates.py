"""Template folders of the user's own (recipe `generators: {pages|documents: {templates: DIR}}`).

A folder's files shadow the built-in templates of the same relative path (`components/hero.html`,
`css/base.css`, `documents/invoice.css`...), so a user restyles or rewrites a component without
editing the project. A file that shadows nothing is refused (a typo would otherwise change
nothing, silently). The folder's content digest is part of the resolved recipe, so a dataset is
tied to the templates it was made with: a changed folder is a different recipe (a resumed run
refuses it) and the workers check that they read the same files.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
from pathlib import Path
from typing import Any, ClassVar

import jinja2
from pydantic import Field, model_serializer, model_validator

from factory.components import Options
from html_templates import TEMPLATE_DIR

MAX_FILES = 500
MAX_BYTES = 1_000_000  # per file


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def check_folder(path: str, prefixes: tuple[str, ...]) -> str:
    """The sha256 of the folder's files (names and bytes); ValueError, naming the problem, when it
    is not a folder of templates that shadow built-in ones under `prefixes`."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ValueError(f"'{path}' is not a folder; give a folder of templates laid out like html_templates/")
    files = _files(folder)
    if not files:
        raise ValueError(f"'{path}' holds no template; put files there named like the built-in ones (e.g. {prefixes[0]}...)")
    if len(files) > MAX_FILES:
        raise ValueError(f"'{path}' holds {len(files)} files, more than {MAX_FILES}")
    digest = hashlib.sha256()
    for file in files:
        name = file.relative_to(folder).as_posix()
        if not name.startswith(prefixes) or not (TEMPLATE_DIR / name).is_file():
            known = [p.relative_to(TEMPLATE_DIR).as_posix() for p in TEMPLATE_DIR.rglob("*") if p.is_file()]
            close = difflib.get_close_matches(name, [k for k in known if k.startswith(prefixes)], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ValueError(f"'{path}/{name}' shadows no built-in template{hint}; name files like those in html_templates/ under {', '.join(prefixes)}")
        size = file.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(f"'{path}/{name}' is {size:,} bytes; a template is at most {MAX_BYTES:,}")
        digest.update(name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


@functools.lru_cache(maxsize=8)
def loader(folder: str | None) -> jinja2.BaseLoader:
    """The user's folder first, then the built-in templates (which the user's may extend or include)."""
    builtin = jinja2.FileSystemLoader(str(TEMPLATE_DIR))
    if folder is None:
        return builtin
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(Path(folder).expanduser())), builtin])


class TemplatesOption(Options):
    """The `templates` option of a generator drawn from Jinja2 templates (set TEMPLATE_PREFIXES).

    Written into the resolved recipe only when set, so recipes without it resolve as before."""

    TEMPLATE_PREFIXES: ClassVar[tuple[str, ...]] = ()
    templates: str | None = Field(None, description="a folder of templates that replace the built-in ones of the same name (README: Your own templates)")
    templates_sha256: str | None = Field(None, description="set by the factory: the digest of the templates folder's files")

    @model_validator(mode="after")
    def _templates_digest(self) -> "TemplatesOption":
        if self.templates is None:
            if self.templates_sha256 is not None:
                raise ValueError("templates_sha256 is set by the factory with templates; remove it")
            return self
        digest = check_folder(self.templates, self.TEMPLATE_PREFIXES)
        if self.templates_sha256 not in (None, digest):
            raise ValueError(
                f"the templates in '{self.templates}' changed since this recipe was resolved (sha256 {digest[:12]}, "
                f"recipe {self.templates_sha256[:12]}): a dataset keeps the templates it was made with; write to a new --out"
            )
        self.templates_sha256 = digest
        return self

    @model_serializer(mode="wrap")
    def _without_unset_templates(self, handler: Any) -> dict[str, Any]:
        data = handler(self)
        if self.templates is None:
            data.pop("templates", None)
            data.pop("templates_sha256", None)
        return data
