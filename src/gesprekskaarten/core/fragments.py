"""Cut parts out of a rendered page: its <main> and the elements that live events replace.

Live screens get the same HTML a page request would render, rendered once for everyone; these
helpers take the parts out of that page. They only need to understand our own templates.
"""

from html.parser import HTMLParser


def main_of(page: str) -> str:
    """The page's <main> element, tags included ('' when there is none)."""
    start = page.find("<main")
    end = page.rfind("</main>")
    if start < 0 or end < start:
        return ""
    return page[start : end + len("</main>")]


def title_of(page: str) -> str:
    """The text of the page's <title>, as the browser shows it."""
    start = page.find("<title>")
    end = page.find("</title>", start)
    if start < 0 or end < 0:
        return ""
    parser = _TextParser()
    parser.feed(page[start + len("<title>") : end])
    parser.close()
    return "".join(parser.text).strip()


def element_span(page: str, element_id: str) -> tuple[int, int] | None:
    """Start and end offsets of the element with this id, or None when the page has none."""
    parser = _ElementFinder(page, element_id)
    parser.feed(page)
    parser.close()
    return parser.span


def element(page: str, element_id: str) -> str:
    span = element_span(page, element_id)
    return page[span[0] : span[1]] if span else ""


def replace_element(page: str, element_id: str, new: str) -> str:
    span = element_span(page, element_id)
    if span is None:
        raise KeyError(element_id)
    return page[: span[0]] + new + page[span[1] :]


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.text = []

    def handle_data(self, data):
        self.text.append(data)


class _ElementFinder(HTMLParser):
    """Finds one element by id and its matching end tag, counting nested tags of its name."""

    def __init__(self, page: str, element_id: str):
        super().__init__(convert_charrefs=False)
        self.page = page
        self.element_id = element_id
        self.line_starts = [0]
        for index, char in enumerate(page):
            if char == "\n":
                self.line_starts.append(index + 1)
        self.tag = None
        self.depth = 0
        self.start = None
        self.span = None

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.span is not None:
            return
        if self.tag is None:
            if dict(attrs).get("id") == self.element_id:
                self.tag, self.depth, self.start = tag, 1, self._offset()
        elif tag == self.tag:
            self.depth += 1

    def handle_endtag(self, tag):
        if self.tag is None or self.span is not None or tag != self.tag:
            return
        self.depth -= 1
        if self.depth == 0:
            end = self.page.index(">", self._offset()) + 1
            self.span = (self.start, end)
