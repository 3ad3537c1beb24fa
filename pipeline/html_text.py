"""The article text of a scraped web page, parsed as data.

The standard library's HTML parser only tokenises: no script runs, no linked resource (image,
iframe, stylesheet) is fetched. Scripts, styles, frames, forms and navigation are dropped; of what
remains, the element that looks like the article body (``div#zoom``, ``.TRS_Editor``,
``article`` …, the usual containers of government sites) is kept, and link lists (menus, related
articles) inside it are dropped by their share of link text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

# Elements whose content is never article text.
DROP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet",
    "template", "svg", "math", "canvas", "head", "form", "button", "select", "textarea", "nav",
    "header", "footer", "aside", "audio", "video", "map",
})
VOID_TAGS = frozenset({
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
})
BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "center", "dd", "div", "dl", "dt", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "html", "li", "main", "ol", "p", "pre",
    "section", "table", "tbody", "tfoot", "thead", "title", "tr", "ul", "br",
})
# class/id words of page chrome on Chinese government sites (当前位置 = dqwz, 分享 = share …).
CHROME = re.compile(
    r"nav|menu|breadcrumb|crumb|footer|header|topbar|sidebar|share|related|copyright|banner|"
    r"toolbar|search|login|position|location|dqwz|weizhi|fenxiang|print|qrcode|ewm|pagination",
    re.I,
)
CONTENT = re.compile(r"zoom|trs_editor|article|content|detail|zhengwen|zw|text|main|body|news|con\b", re.I)
MAX_DEPTH = 200  # deeper nesting is flattened, so hostile pages cannot exhaust the stack
MAX_LINK_SHARE = 0.5
_SPACE = re.compile(r"[ \t\r\n\f\v\xa0\u3000]+")
_CJK_GAP = re.compile(r"(?<=[\u3000-\u9fff\uff00-\uffef]) (?=[\u3000-\u9fff\uff00-\uffef])")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.I)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    @property
    def label(self) -> str:
        ident = self.attrs.get("id")
        classes = self.attrs.get("class", "").split()
        return self.tag + (f"#{ident}" if ident else "") + "".join(f".{c}" for c in classes[:2])


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]
        self.skip = 0  # depth inside a dropped element
        self.title = ""
        self.in_title = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "title":
            self.in_title = True
        if self.skip:
            if tag not in VOID_TAGS:
                self.skip += 1
            return
        attrs = {k: v or "" for k, v in attrs}
        if tag in DROP_TAGS or _is_chrome(attrs):
            if tag not in VOID_TAGS:
                self.skip = 1
            return
        if tag in ("p", "li") and self.stack[-1].tag == tag:  # <p>a<p>b: the first one ends
            self.stack.pop()
        node = Node(tag, attrs)
        self.stack[-1].children.append(node)
        if tag not in VOID_TAGS and len(self.stack) < MAX_DEPTH:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs) -> None:
        if not self.skip and tag in BLOCK_TAGS:
            self.stack[-1].children.append(Node(tag, {}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
        if self.skip:
            if tag not in VOID_TAGS:
                self.skip -= 1
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if not self.skip:
            self.stack[-1].children.append(data)


def _is_chrome(attrs: dict[str, str]) -> bool:
    words = " ".join((attrs.get("id", ""), attrs.get("class", "")))
    return bool(words.strip()) and bool(CHROME.search(words)) and not CONTENT.search(words)


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> tag within its first 4 KB."""
    match = _CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


@dataclass
class _Stats:
    text: int = 0
    link: int = 0


def _stats(node: Node, memo: dict[int, _Stats], in_link: bool = False) -> _Stats:
    stats = _Stats()
    in_link = in_link or node.tag == "a"
    for child in node.children:
        if isinstance(child, str):
            n = sum(1 for c in child if not c.isspace())
            stats.text += n
            stats.link += n if in_link else 0
        else:
            sub = _stats(child, memo, in_link)
            stats.text += sub.text
            stats.link += sub.link
    memo[id(node)] = stats
    return stats


def _walk(node: Node):
    yield node
    for child in node.children:
        if isinstance(child, Node):
            yield from _walk(child)


def _body(root: Node, memo: dict[int, _Stats]) -> Node:
    """The element holding the article: the largest content-like container, else the page."""
    total = memo[id(root)].text or 1
    candidates = []
    for node in _walk(root):
        words = " ".join((node.attrs.get("id", ""), node.attrs.get("class", "")))
        if node.tag not in ("article", "main") and not (words.strip() and CONTENT.search(words)):
            continue
        stats = memo[id(node)]
        if stats.text >= 0.25 * total and stats.link <= MAX_LINK_SHARE * stats.text:
            candidates.append((stats.text, node))
    if not candidates:
        return root
    # Of the containers holding nearly all of the text, the smallest: the innermost one, with
    # the least chrome around the article.
    most = max(text for text, _ in candidates)
    return min((c for c in candidates if c[0] >= 0.8 * most), key=lambda c: c[0])[1]


def _render(node: Node, memo: dict[int, _Stats], out: list[str]) -> None:
    for child in node.children:
        if isinstance(child, str):
            # Source line breaks inside a paragraph are spaces in HTML, and between two Chinese
            # characters not even that.
            out.append(_CJK_GAP.sub("", _SPACE.sub(" ", child)))
            continue
        stats = memo.get(id(child))
        if stats and stats.text and stats.link > MAX_LINK_SHARE * stats.text and child.tag != "a":
            continue  # a menu or a list of related articles
        block = child.tag in BLOCK_TAGS
        if block:
            out.append("\n")
        _render(child, memo, out)
        if child.tag in ("td", "th"):
            out.append(" ")  # table cells: one row a line
        elif block:
            out.append("\n")


def _clean_lines(raw: str) -> str:
    lines = []
    for line in raw.split("\n"):
        line = _SPACE.sub(" ", line).strip()
        if line:
            lines.append(line)
    return "\n".join(lines)


@dataclass
class Article:
    text: str
    title: str
    body: str  # which element the text came from, e.g. "div#zoom"


def extract_article(html: str) -> Article:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    memo: dict[int, _Stats] = {}
    _stats(builder.root, memo)
    body = _body(builder.root, memo)
    out: list[str] = []
    _render(body, memo, out)
    text = _clean_lines("".join(out))
    heading = _first_heading(builder.root)
    title = heading or _clean_lines(re.split(r"[_|｜]| - ", builder.title)[0])
    if title and title not in text[: len(title) + 200]:
        text = f"{title}\n{text}" if text else title
    return Article(text=text, title=title, body="body" if body is builder.root else body.label)


def _first_heading(root: Node) -> str:
    for node in _walk(root):
        if node.tag in ("h1", "h2"):
            out: list[str] = []
            _render(node, {}, out)
            text = _clean_lines("".join(out)).replace("\n", "")
            if text:
                return text
    return ""
