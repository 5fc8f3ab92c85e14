"""Reading and validating deck files (YAML or JSON).

Every problem is reported with the file, the line (where the parser knows it) and the
path in the document, e.g. ``deck.yaml:42: principles[3].behaviours.leaders[2].text.en:
missing translation``. All problems are collected, not just the first one.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SCHEMA_VERSION = 1
MAX_FILE_BYTES = 2_000_000
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser when available
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)

# Slugs that a principle may not take because other pages of a deck use them as URLs.
METHOD_SLUG = "zo-gebruik-je-de-kaarten"
PREPARE_SLUG = "voorbereiden"
RESERVED_PRINCIPLE_SLUGS = {METHOD_SLUG: "the method page", PREPARE_SLUG: "solo preparation"}

# Length limits keep cards printable and pages readable.
SHORT_TEXT = 200
LONG_TEXT = 2_000
MAX_ITEMS = 60


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def format(self, filename: str) -> str:
        where = f"{filename}:{self.line}" if self.line else filename
        return f"{where}: {self.path or '(document)'}: {self.message}"


class DeckFileError(Exception):
    """A deck file that cannot be used; carries every problem found."""

    def __init__(self, filename: str, problems: list[Problem]):
        self.filename = filename
        self.problems = problems
        super().__init__("\n".join(p.format(filename) for p in problems))


@dataclass
class Document:
    """Parsed deck file: plain data plus the line of every path, for messages."""

    data: object
    lines: dict[str, int] = field(default_factory=dict)


# --- parsing -------------------------------------------------------------------------------


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _from_node(node, path: str, doc: Document, problems: list[Problem], scalars):
    doc.lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Problem(path, "keys must be plain text", line))
                continue
            key = key_node.value
            child = _join(path, key)
            if key in result:
                problems.append(Problem(child, "duplicate key", line))
                continue
            result[key] = _from_node(value_node, child, doc, problems, scalars)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _from_node(item, _join(path, i), doc, problems, scalars)
            for i, item in enumerate(node.value)
        ]
    # Scalars go through the safe constructor: "1.0" stays text, 1.0 becomes a number.
    return scalars.construct_object(node)


def parse(text: str, filename: str = "<deck>") -> Document:
    """Parse YAML (JSON is valid YAML) into a Document, or raise DeckFileError."""
    if len(text.encode("utf-8")) > MAX_FILE_BYTES:
        raise DeckFileError(filename, [Problem("", f"file is larger than {MAX_FILE_BYTES} bytes")])
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        reason = getattr(error, "problem", None) or str(error)
        raise DeckFileError(
            filename, [Problem("", f"not valid YAML: {reason}", mark.line + 1 if mark else None)]
        ) from error
    if node is None:
        raise DeckFileError(filename, [Problem("", "the file is empty")])
    doc = Document(data=None)
    problems: list[Problem] = []
    doc.data = _from_node(node, "", doc, problems, _LOADER(""))
    if problems:
        raise DeckFileError(filename, problems)
    return doc


# --- validation ----------------------------------------------------------------------------


# A required key that is absent; already reported by its parent, so checks stay quiet.
MISSING = object()


class _Checker:
    def __init__(self, doc: Document):
        self.doc = doc
        self.problems: list[Problem] = []
        self.languages: list[str] = []

    def problem(self, path: str, message: str) -> None:
        line = self.doc.lines.get(path)
        if line is None:  # a missing key: point at its parent
            parent = re.sub(r"(^|\.)[^.\[]+$|\[\d+\]$", "", path)
            line = self.doc.lines.get(parent)
        self.problems.append(Problem(path, message, line))

    def mapping(self, value, path: str, required: set[str], optional: set[str] = frozenset()):
        if value is MISSING:
            return None
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping (key: value)")
            return None
        for key in sorted(value.keys() - required - optional):
            self.problem(_join(path, key), "unknown key")
        for key in sorted(required - value.keys()):
            self.problem(_join(path, key), "is missing")
        return value

    def sequence(self, value, path: str, minimum: int = 1, maximum: int = MAX_ITEMS):
        if value is MISSING:
            return []
        if not isinstance(value, list):
            self.problem(path, "must be a list")
            return []
        if len(value) < minimum:
            self.problem(path, f"needs at least {minimum} item{'s' if minimum != 1 else ''}")
        if len(value) > maximum:
            self.problem(path, f"has {len(value)} items; at most {maximum} are allowed")
        return value

    def string(self, value, path: str, max_length: int = SHORT_TEXT, pattern=None, hint=""):
        if value is MISSING:
            return ""
        if value is None:
            self.problem(path, "text is empty")
            return ""
        if not isinstance(value, str):
            self.problem(path, "must be text (put it in quotes)")
            return ""
        value = value.strip()
        if not value:
            self.problem(path, "text is empty")
        elif len(value) > max_length:
            self.problem(path, f"text is {len(value)} characters; at most {max_length} allowed")
        elif pattern is not None and not pattern.match(value):
            self.problem(path, f"{value!r} is not valid{': ' + hint if hint else ''}")
        return value

    def text(self, value, path: str, max_length: int = SHORT_TEXT) -> dict:
        """A translatable text: one entry per deck language, nothing else."""
        if value is MISSING:
            return {}
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping of language to text, e.g. {nl: ..., en: ...}")
            return {}
        result = {}
        for language in self.languages:
            child = _join(path, language)
            if language not in value:
                self.problem(child, "missing translation")
            else:
                result[language] = self.string(value[language], child, max_length)
        for language in sorted(value.keys() - set(self.languages)):
            self.problem(_join(path, language), "language is not listed in 'languages'")
        return result

    def slug(self, value, path: str) -> str:
        return self.string(value, path, 80, SLUG_RE, "use lowercase letters, digits and dashes")


TOP_REQUIRED = {
    "schema_version", "slug", "version", "languages", "default_language", "title", "intro",
    "source", "licence", "help", "method", "behaviour_question", "leaders_heading", "principles",
}  # fmt: skip
TOP_OPTIONAL = {"translations", "changelog"}


def validate(doc: Document, filename: str = "<deck>") -> dict:
    """Check a parsed deck document and return its normalised form, or raise DeckFileError."""
    c = _Checker(doc)
    top = c.mapping(doc.data, "", TOP_REQUIRED, TOP_OPTIONAL)
    if top is None:
        raise DeckFileError(filename, c.problems)

    if "schema_version" in top and top["schema_version"] != SCHEMA_VERSION:
        c.problem("schema_version", f"must be {SCHEMA_VERSION}")
    languages = c.sequence(top.get("languages", MISSING), "languages", 1, 10)
    for i, language in enumerate(languages):
        c.string(language, f"languages[{i}]", 2, LANGUAGE_RE, "use a two-letter code like nl")
    if len(set(map(str, languages))) != len(languages):
        c.problem("languages", "lists a language twice")
    c.languages = [str(lang) for lang in languages]
    default_language = c.string(top.get("default_language", MISSING), "default_language", 2)
    if "default_language" in top and default_language not in c.languages:
        c.problem("default_language", "must be one of 'languages'")

    deck = {
        "schema_version": SCHEMA_VERSION,
        "slug": c.slug(top.get("slug", MISSING), "slug"),
        "version": c.string(top.get("version", MISSING), "version", 40),
        "languages": c.languages,
        "default_language": default_language,
        "title": c.text(top.get("title", MISSING), "title"),
        "intro": c.text(top.get("intro", MISSING), "intro", LONG_TEXT),
        "source": _source(c, top.get("source", MISSING)),
        "licence": c.text(top.get("licence", MISSING), "licence", LONG_TEXT),
        "translations": _translations(c, top.get("translations", {}), default_language),
        "help": _help(c, top.get("help", MISSING)),
        "method": _method(c, top.get("method", MISSING)),
        "behaviour_question": c.text(top.get("behaviour_question", MISSING), "behaviour_question"),
        "leaders_heading": c.text(top.get("leaders_heading", MISSING), "leaders_heading"),
        "principles": _principles(c, top.get("principles", MISSING)),
        "changelog": _changelog(c, top.get("changelog", [])),
    }
    if c.problems:
        raise DeckFileError(filename, c.problems)
    return deck


def _source(c: _Checker, value) -> dict:
    value = c.mapping(value, "source", {"title", "publisher", "url"}) or {}
    return {
        "title": c.text(value.get("title", MISSING), "source.title"),
        "publisher": c.text(value.get("publisher", MISSING), "source.publisher"),
        "url": c.string(
            value.get("url", MISSING),
            "source.url",
            500,
            re.compile(r"^https?://\S+$"),
            "use a web address",
        ),
    }


def _translations(c: _Checker, value, default_language: str) -> dict:
    if not isinstance(value, dict):
        c.problem("translations", "must be a mapping of language to a note about the translation")
        return {}
    result = {}
    for language, note in value.items():
        path = _join("translations", language)
        if language not in c.languages or language == default_language:
            c.problem(path, "must be one of the translated 'languages'")
            continue
        result[language] = c.text(note, path, LONG_TEXT)
    return result


def _help(c: _Checker, value) -> dict:
    value = c.mapping(value, "help", {"email", "text"}) or {}
    return {
        "email": c.string(
            value.get("email", MISSING), "help.email", 200, EMAIL_RE, "use an e-mail address"
        ),
        "text": c.text(value.get("text", MISSING), "help.text"),
    }


def _method(c: _Checker, value) -> dict:
    keys = {"title", "text", "questions_intro", "questions", "closing"}
    value = c.mapping(value, "method", keys) or {}
    questions = c.sequence(value.get("questions", MISSING), "method.questions", 1, 30)
    return {
        "title": c.text(value.get("title", MISSING), "method.title"),
        "text": c.text(value.get("text", MISSING), "method.text", LONG_TEXT),
        "questions_intro": c.text(value.get("questions_intro", MISSING), "method.questions_intro"),
        "questions": [
            c.text(question, f"method.questions[{i}]", 500) for i, question in enumerate(questions)
        ],
        "closing": c.text(value.get("closing", MISSING), "method.closing", 500),
    }


def _principles(c: _Checker, value) -> list[dict]:
    principles = []
    seen_slugs: dict[str, int] = {}
    for i, item in enumerate(c.sequence(value, "principles", 1, 30)):
        path = f"principles[{i}]"
        item = c.mapping(item, path, {"slug", "title", "values", "behaviours"})
        if item is None:
            continue
        slug = c.slug(item.get("slug", MISSING), f"{path}.slug")
        if slug in seen_slugs:
            c.problem(
                f"{path}.slug", f"duplicate slug {slug!r} (also principles[{seen_slugs[slug]}])"
            )
        seen_slugs.setdefault(slug, i)
        if slug in RESERVED_PRINCIPLE_SLUGS:
            c.problem(f"{path}.slug", f"{slug!r} is reserved for {RESERVED_PRINCIPLE_SLUGS[slug]}")
        values = c.sequence(item.get("values", MISSING), f"{path}.values", 1, 10)
        principles.append(
            {
                "slug": slug,
                "title": c.text(item.get("title", MISSING), f"{path}.title"),
                "values": [c.text(v, f"{path}.values[{j}]") for j, v in enumerate(values)],
                "behaviours": _behaviours(c, item.get("behaviours", MISSING), f"{path}.behaviours"),
            }
        )
    return principles


def _behaviours(c: _Checker, value, path: str) -> dict:
    value = c.mapping(value, path, {"everyone"}, {"leaders"}) or {}
    result = {}
    seen_keys: dict[str, str] = {}
    for audience, minimum in (("everyone", 1), ("leaders", 0)):
        default = MISSING if minimum else []  # "everyone" is required, "leaders" optional
        items = c.sequence(value.get(audience, default), f"{path}.{audience}", minimum)
        result[audience] = []
        for j, item in enumerate(items):
            item_path = f"{path}.{audience}[{j}]"
            item = c.mapping(item, item_path, {"key", "text"})
            if item is None:
                continue
            key = c.slug(item.get("key", MISSING), f"{item_path}.key")
            if key in seen_keys:
                c.problem(f"{item_path}.key", f"duplicate key {key!r} (also {seen_keys[key]})")
            seen_keys.setdefault(key, item_path)
            text = c.text(item.get("text", MISSING), f"{item_path}.text", 1_000)
            result[audience].append({"key": key, "text": text})
    return result


def _changelog(c: _Checker, value) -> list[dict]:
    entries = []
    for i, item in enumerate(c.sequence(value, "changelog", 0, 500)):
        path = f"changelog[{i}]"
        item = c.mapping(item, path, {"version", "date", "changes"})
        if item is None:
            continue
        date = item.get("date", MISSING)
        changes = c.sequence(item.get("changes", MISSING), f"{path}.changes", 1, 500)
        entries.append(
            {
                "version": c.string(item.get("version", MISSING), f"{path}.version", 40),
                "date": c.string(
                    str(date) if date not in (None, MISSING) else date,
                    f"{path}.date",
                    10,
                    DATE_RE,
                    "use YYYY-MM-DD",
                ),
                "changes": [
                    c.text(change, f"{path}.changes[{j}]", LONG_TEXT)
                    for j, change in enumerate(changes)
                ],
            }
        )
    return entries


def load_text(text: str, filename: str = "<deck>") -> dict:
    """Parse and validate deck text; returns the normalised deck."""
    return validate(parse(text, filename), filename)


def load_file(path: str | Path) -> dict:
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as error:
        problem = Problem("", f"cannot read the file: {error.strerror}")
        raise DeckFileError(str(path), [problem]) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DeckFileError(str(path), [Problem("", "the file is not UTF-8 text")]) from error
    return load_text(text, str(path))
