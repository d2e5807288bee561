"""Offline checks of a MusicXML file: read its score document (``.musicxml`` or ``.mxl``) and
validate it against the MusicXML 4.0 XSD that PyPI's ``musicxml`` package ships (``xmlschema``)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from ..errors import ExportError

_SCHEMA: Any = None


def _schema():
    global _SCHEMA
    if _SCHEMA is None:
        import musicxml as musicxml_pkg  # noqa: PLC0415 (the PyPI package that ships the XSD)
        import xmlschema  # noqa: PLC0415

        xsd = Path(musicxml_pkg.__file__).parent / "generate_classes" / "musicxml_4_0.xsd"
        bundled = Path(xmlschema.__file__).parent / "schemas"
        # the XSD imports xml.xsd and xlink.xsd from musicxml.org: map them to xmlschema's copies
        locations = {
            "http://www.w3.org/XML/1998/namespace": str(bundled / "XML" / "xml.xsd"),
            "http://www.w3.org/1999/xlink": str(bundled / "XLINK" / "xlink.xsd"),
        }
        _SCHEMA = xmlschema.XMLSchema(str(xsd), locations=locations, allow="local")
    return _SCHEMA


def read_musicxml_document(path: str | os.PathLike) -> bytes:
    """The score document of a ``.musicxml`` file or of a ``.mxl`` archive."""
    source = Path(path)
    try:
        if source.suffix.lower() != ".mxl":
            return source.read_bytes()
        with zipfile.ZipFile(source) as archive:
            container = ElementTree.fromstring(archive.read("META-INF/container.xml"))
            rootfile = container.find(".//rootfile")
            if rootfile is None or not rootfile.get("full-path"):
                raise ExportError(f"{source}: META-INF/container.xml names no score")
            return archive.read(rootfile.get("full-path"))
    except (OSError, KeyError, zipfile.BadZipFile, ValueError, ElementTree.ParseError) as exc:
        raise ExportError(f"cannot read MusicXML {source}: {exc}") from exc


def validate_musicxml(path: str | os.PathLike) -> list[str]:
    """Problems found by the MusicXML 4.0 XSD (offline); an empty list means valid."""
    import xmlschema  # noqa: PLC0415

    document = read_musicxml_document(path)
    try:
        resource = xmlschema.XMLResource(document, allow="none")
        return [f"{err.path}: {err.reason}" for err in _schema().iter_errors(resource)]
    except (xmlschema.XMLResourceError, ElementTree.ParseError) as exc:
        return [f"not well-formed XML: {exc}"]
