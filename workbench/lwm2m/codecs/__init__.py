"""Content-format codecs. :func:`codec_for` gives the codec of a format number.

One module per format; they share the value model (:mod:`workbench.lwm2m.values`), the type
lookup and error type (:mod:`.base`). Link-format (40) is not a value codec: it carries links,
see :mod:`.linkformat`. The vendor formats (u-blox JSON, Quectel ``bootstrap.ini``) are in
:mod:`.ublox_json` and :mod:`.quectel_bootstrap`.
"""

from __future__ import annotations

from workbench.lwm2m.codecs.base import Codec, ContentFormat

#: Content-format numbers of the LwM2M 1.0 drafts (``application/vnd.oma.lwm2m+text`` etc.),
#: still sent by older servers such as lwm2m-node-lib; they mean the registered formats.
LEGACY_FORMATS: dict[int, ContentFormat] = {
    1541: ContentFormat.TEXT,
    1542: ContentFormat.TLV,
    1543: ContentFormat.LWM2M_JSON,
}


def canonical_format(number: int) -> int:
    """The registered number for ``number`` (legacy draft numbers mapped, others unchanged)."""
    return int(LEGACY_FORMATS.get(number, number))


def codec_for(content_format: int | ContentFormat) -> Codec:
    """The value codec for a content format; :class:`ValueError` for link-format or unknown."""
    # Imported here so that importing the package stays cheap and cycle-free.
    from workbench.lwm2m.codecs.lwm2m_cbor import CborCodec, Lwm2mCborCodec
    from workbench.lwm2m.codecs.lwm2m_json import Lwm2mJsonCodec
    from workbench.lwm2m.codecs.opaque import OpaqueCodec
    from workbench.lwm2m.codecs.senml import SenmlCborCodec, SenmlJsonCodec
    from workbench.lwm2m.codecs.text import TextCodec
    from workbench.lwm2m.codecs.tlv import TlvCodec

    codecs: dict[int, type[Codec]] = {
        ContentFormat.TEXT: TextCodec,
        ContentFormat.OPAQUE: OpaqueCodec,
        ContentFormat.TLV: TlvCodec,
        ContentFormat.LWM2M_JSON: Lwm2mJsonCodec,
        ContentFormat.SENML_JSON: SenmlJsonCodec,
        ContentFormat.SENML_CBOR: SenmlCborCodec,
        ContentFormat.LWM2M_CBOR: Lwm2mCborCodec,
        # Plain CBOR (60) carries a single resource value; LwM2M 1.1 §7.4.6.
        ContentFormat.CBOR: CborCodec,
    }
    try:
        return codecs[canonical_format(int(content_format))]()
    except KeyError:
        raise ValueError(f"no value codec for content format {int(content_format)}") from None


__all__ = ["LEGACY_FORMATS", "Codec", "ContentFormat", "canonical_format", "codec_for"]
