"""A Markdown document as an OpenDocument text (.odt) that a lab's lawyers open and edit in any word processor.

The model agreement is written in Markdown (headings, paragraphs, lists,
bold and italic) and published both ways. odfpy writes the document; its zip
is then written again with fixed timestamps, so two builds of the same text
give the same bytes, as every other file of the site does.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any
from xml.etree import ElementTree

FIXED_TIME = (2000, 1, 1, 0, 0, 0)
# odfpy declares a root element's namespaces in an order that changes from run to run.
NAMESPACES_RE = re.compile(rb'\s+xmlns:[\w-]+="[^"]*"')
# A part's root element: the first element after the XML declaration (office:document-content, manifest:manifest...).
ROOT_TAG_RE = re.compile(rb"<(?![?!])[\w-]+:[\w-]+[^>]*>")
DECLARATION_RE = re.compile(rb'xmlns:([\w-]+)="([^"]*)"')
# A prefix in use: an element's (<text:p, </text:p) or an attribute's ( text:style-name=).
PREFIX_RE = re.compile(rb"(?:</?|\s)([\w-]+):[\w-]+(?==|[\s/>])")
HEADING_TAGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4}


def _styles(document: Any) -> dict[str, Any]:
    """Heading styles, and named styles for bold and italic runs and for the two kinds of list."""
    from odf.style import ListLevelProperties, ParagraphProperties, Style, TextProperties
    from odf.text import ListLevelStyleBullet, ListLevelStyleNumber, ListStyle

    bold = Style(name="Strong", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    italic = Style(name="Emphasis", family="text")
    italic.addElement(TextProperties(fontstyle="italic"))
    bullets = ListStyle(name="Bullets")
    bullet = ListLevelStyleBullet(level=1, bulletchar="•")
    bullet.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.4cm"))
    bullets.addElement(bullet)
    numbers = ListStyle(name="Numbers")
    number = ListLevelStyleNumber(level=1, numformat="1", numsuffix=".")
    number.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.6cm"))
    numbers.addElement(number)
    for level, size in ((1, "18pt"), (2, "14pt"), (3, "12pt"), (4, "11pt")):
        heading = Style(name=f"Heading {level}", family="paragraph")
        heading.addElement(ParagraphProperties(margintop="0.4cm", marginbottom="0.2cm", keepwithnext="always"))
        heading.addElement(TextProperties(fontsize=size, fontweight="bold"))
        document.styles.addElement(heading)
    for style in (bold, italic):
        document.automaticstyles.addElement(style)
    for style in (bullets, numbers):
        document.automaticstyles.addElement(style)
    return {"strong": bold, "b": bold, "em": italic, "i": italic, "ul": bullets, "ol": numbers}


def _inline(target: Any, element: ElementTree.Element, styles: dict[str, Any]) -> None:
    """The text of an element and its bold and italic runs, added to a paragraph or heading."""
    from odf.text import Span

    if element.text:
        target.addText(element.text)
    for child in element:
        style = styles.get(child.tag)
        if style is not None and child.tag not in ("ul", "ol"):
            span = Span(stylename=style)
            _inline(span, child, styles)
            target.addElement(span)
        else:
            _inline(target, child, styles)
        if child.tail:
            target.addText(child.tail)


def _block(parent: Any, element: ElementTree.Element, styles: dict[str, Any]) -> None:
    from odf.text import H, List, ListItem, P

    if element.tag in HEADING_TAGS:
        heading = H(outlinelevel=HEADING_TAGS[element.tag], stylename=f"Heading {HEADING_TAGS[element.tag]}")
        _inline(heading, element, styles)
        parent.addElement(heading)
    elif element.tag in ("ul", "ol"):
        odf_list = List(stylename=styles[element.tag])
        for item in element:
            list_item = ListItem()
            blocks = [child for child in item if child.tag in ("p", "ul", "ol")]
            if blocks:
                for child in item:
                    _block(list_item, child, styles)
            else:
                paragraph = P()
                _inline(paragraph, item, styles)
                list_item.addElement(paragraph)
            odf_list.addElement(list_item)
        parent.addElement(odf_list)
    else:
        paragraph = P()
        _inline(paragraph, element, styles)
        parent.addElement(paragraph)


def markdown_to_odt(markdown_text: str, title: str, language: str) -> bytes:
    """An .odt of a Markdown text, with its title and language set, byte for byte the same each time."""
    import markdown
    from odf.dc import Language, Title
    from odf.opendocument import OpenDocumentText

    # Markup in the text is text: the document is Markdown's headings, lists and emphasis, nothing else.
    source = markdown_text.replace("&", "&amp;").replace("<", "&lt;")
    html = markdown.markdown(source, extensions=["markdown.extensions.sane_lists"], output_format="xhtml")
    root = ElementTree.fromstring(f"<body>{html}</body>")
    document = OpenDocumentText()
    document.meta.addElement(Title(text=title))
    document.meta.addElement(Language(text=language))
    styles = _styles(document)
    for element in root:
        _block(document.text, element, styles)
    return _fixed_zip(document)


def _fixed_zip(document: Any) -> bytes:
    """The document's zip written again with one timestamp and no generator date, the mimetype first and stored."""
    written = io.BytesIO()
    document.write(written)
    source = zipfile.ZipFile(io.BytesIO(written.getvalue()))
    names = sorted(source.namelist(), key=lambda n: (n != "mimetype", n))
    fixed = io.BytesIO()
    with zipfile.ZipFile(fixed, "w") as target:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            data = source.read(name)
            target.writestr(info, declare_used_namespaces(data) if name.endswith(".xml") else data)
    return fixed.getvalue()


def declare_used_namespaces(xml: bytes) -> bytes:
    """The root element declaring exactly the namespaces the part uses, in one order.

    odfpy declares on each part the namespaces its process has met so far, so the
    second document a build writes would declare more than the first.
    """
    root = ROOT_TAG_RE.search(xml)
    if root is None:
        return xml
    tag = root.group(0)
    declared = dict(DECLARATION_RE.findall(tag))
    used = set(PREFIX_RE.findall(NAMESPACES_RE.sub(b"", xml)))
    declarations = b"".join(b' xmlns:%s="%s"' % (prefix, declared[prefix]) for prefix in sorted(used) if prefix in declared)
    bare = NAMESPACES_RE.sub(b"", tag)
    name_end = bare.find(b" ") if b" " in bare else len(bare) - 1
    ordered = bare[:name_end] + declarations + bare[name_end:]
    return xml[: root.start()] + ordered + xml[root.end() :]
