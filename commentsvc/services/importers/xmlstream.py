"""Streaming, defused XML parsing for the XML export formats.

defusedxml's iterparse refuses any DTD (so entity bombs and external entities never get
expanded or fetched) and expat never touches the network. Readers remove each finished
record element from its parent, so memory stays flat however large the file is.
"""
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ...errors import ApiError


def local_name(tag):
    """``{namespace}name`` -> ``name`` (the formats have had several namespace versions)."""
    return tag.rpartition("}")[2]


def children(element):
    """First child of each local name; the export formats don't repeat the fields we read."""
    found = {}
    for child in element:
        found.setdefault(local_name(child.tag), child)
    return found


def text_of(element):
    return element.text if element is not None and element.text is not None else None


def iter_ends(fileobj, root_name, format_label):
    """Yield ``(element, ancestors)`` as each element ends.

    The caller removes the elements it has consumed (``ancestors[-1].remove(element)``).
    :raise ApiError 400: not well-formed XML
    :raise ApiError 422: a DTD or entity declaration (refused), or the wrong root element
    """
    ancestors = []
    try:
        for event, element in iterparse(fileobj, events=("start", "end"), forbid_dtd=True,
                                        forbid_entities=True, forbid_external=True):
            if event == "start":
                if not ancestors and local_name(element.tag) != root_name:
                    raise ApiError(422, "wrong_format",
                                   f"This is not a {format_label} file (root element "
                                   f"<{local_name(element.tag)}>, expected <{root_name}>).")
                ancestors.append(element)
                continue
            ancestors.pop()
            yield element, ancestors
    except DefusedXmlException as exc:
        raise ApiError(422, "unsafe_xml",
                       "The XML declares a DTD or entities, which imports refuse "
                       f"(entity expansion and external entities are unsafe): {exc}") from exc
    except ParseError as exc:
        raise ApiError(400, "malformed_file", f"The file is not well-formed XML: {exc}") from exc
