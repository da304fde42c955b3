"""CoAP traffic as pcapng, so Wireshark shows a session's server side with its CoAP dissector.

The built-in server logs CoAP datagrams, not packets; the export wraps each one in synthesised
IPv4 (or IPv6) and UDP headers between the recorded peer address and the server's address, and
writes one Enhanced Packet Block per datagram on a single ``LINKTYPE_RAW`` (101) interface —
raw IP, where the version nibble tells v4 from v6, so one file can hold both. UDP checksums
are computed, so Wireshark does not flag every packet. On port 5683 Wireshark dissects CoAP by
itself; for any other port use "Decode As… → CoAP".

A datagram the server found malformed, or whose payload was zero-filled because it carried a
secret, gets a packet comment saying so (Wireshark shows it as ``pkt_comment``).

The format (IETF draft-ietf-opsawg-pcapng) is small enough to write directly: a Section Header
Block, an Interface Description Block, then EPBs; all blocks little-endian and 32-bit aligned.
:func:`read_pcapng` parses such files back (used by the tests; it reads SHB/IDB/EPB only).
"""

from __future__ import annotations

import ipaddress
import platform
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import BinaryIO, Final

from workbench.server.coaplog import CoapLogEntry

LINKTYPE_RAW: Final = 101
LINKTYPE_IPV4: Final = 228
_SHB: Final = 0x0A0D0D0A
_IDB: Final = 0x00000001
_EPB: Final = 0x00000006
_BYTE_ORDER: Final = 0x1A2B3C4D
_OPT_END: Final = 0
_OPT_COMMENT: Final = 1
_SHB_OS: Final = 3
_SHB_USERAPPL: Final = 4
_IF_NAME: Final = 2
_IF_DESCRIPTION: Final = 3
_IF_TSRESOL: Final = 9
#: Where a peer whose address could not be parsed appears (RFC 5737 documentation range).
UNKNOWN_V4: Final = ipaddress.IPv4Address("192.0.2.1")
DEFAULT_SERVER: Final = "127.0.0.1:5683"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _pad(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 4)


def _options(options: Iterable[tuple[int, bytes]]) -> bytes:
    out = b"".join(struct.pack("<HH", code, len(v)) + _pad(v) for code, v in options)
    return out + struct.pack("<HH", _OPT_END, 0) if out else b""


def _block(block_type: int, body: bytes) -> bytes:
    body = _pad(body)
    total = len(body) + 12
    return struct.pack("<II", block_type, total) + body + struct.pack("<I", total)


def parse_address(text: str) -> tuple[IPAddress, int] | None:
    """``127.0.0.1:5683`` / ``[::1]:5683`` → (address, port); None when it is neither."""
    text = text.strip()
    try:
        if text.startswith("["):
            host, _, port = text[1:].partition("]:")
        else:
            host, _, port = text.rpartition(":")
        number = int(port) if port.isdigit() and len(port) <= 5 else -1
        if not 0 <= number <= 0xFFFF:
            return None
        return ipaddress.ip_address(host), number
    except ValueError:
        return None


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\x00"
    total = int(sum(struct.unpack(f"!{len(data) // 2}H", data)))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ip_udp_packet(
    src: tuple[IPAddress, int], dst: tuple[IPAddress, int], payload: bytes, ident: int = 0
) -> bytes:
    """An IPv4 or IPv6 packet carrying ``payload`` in UDP (checksums filled in).

    Mixed families are mapped to IPv6 (``::ffff:a.b.c.d``), as a dual-stack socket sees them.
    """
    (saddr, sport), (daddr, dport) = src, dst
    if saddr.version != daddr.version:
        saddr = _as_v6(saddr)
        daddr = _as_v6(daddr)
    length = 8 + len(payload)
    if length > 0xFFFF:
        raise ValueError("datagram too large for UDP")
    if saddr.version == 4:
        pseudo = saddr.packed + daddr.packed + struct.pack("!BBH", 0, 17, length)
    else:
        pseudo = saddr.packed + daddr.packed + struct.pack("!IxxxB", length, 17)
    udp = struct.pack("!HHHH", sport, dport, length, 0) + payload
    checksum = _checksum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", checksum) + udp[8:]
    if saddr.version == 4:
        header = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 20 + length, ident & 0xFFFF, 0x4000, 64, 17, 0,
            saddr.packed, daddr.packed,
        )  # fmt: skip
        header = header[:10] + struct.pack("!H", _checksum(header)) + header[12:]
        return header + udp
    header = struct.pack("!IHBB", 0x60000000, length, 17, 64) + saddr.packed + daddr.packed
    return header + udp


def _as_v6(address: IPAddress) -> ipaddress.IPv6Address:
    if isinstance(address, ipaddress.IPv6Address):
        return address
    return ipaddress.IPv6Address("::ffff:" + str(address))


class PcapngWriter:
    """Writes a one-interface (raw IP) pcapng stream to a binary file object."""

    def __init__(self, out: BinaryIO, *, application: str, description: str = "") -> None:
        self._out = out
        shb_body = struct.pack("<IHHq", _BYTE_ORDER, 1, 0, -1) + _options(
            [
                (_SHB_USERAPPL, application.encode("utf-8")),
                (_SHB_OS, platform.system().encode("utf-8")),
            ]
        )
        out.write(_block(_SHB, shb_body))
        idb_options = [(_IF_NAME, b"lwm2m-workbench server"), (_IF_TSRESOL, b"\x06")]
        if description:
            idb_options.append((_IF_DESCRIPTION, description.encode("utf-8")))
        idb_body = struct.pack("<HHI", LINKTYPE_RAW, 0, 0) + _options(idb_options)
        out.write(_block(_IDB, idb_body))
        self.packets = 0

    def add(self, t: float, packet: bytes, comment: str | None = None) -> None:
        """One packet at host time ``t`` (seconds since the epoch, microsecond resolution)."""
        stamp = max(0, round(t * 1_000_000))
        body = struct.pack(
            "<IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF, len(packet), len(packet)
        ) + _pad(packet)
        if comment:
            body += _options([(_OPT_COMMENT, comment.encode("utf-8"))])
        self._out.write(_block(_EPB, body))
        self.packets += 1


def _endpoints(
    entry: CoapLogEntry, server: tuple[IPAddress, int]
) -> tuple[tuple[IPAddress, int], tuple[IPAddress, int], str | None]:
    peer = parse_address(entry.peer)
    note = None
    if peer is None:
        peer = (UNKNOWN_V4, 0)
        note = f"peer address {entry.peer!r} is not IP:port; shown as {UNKNOWN_V4}"
    if entry.direction == "out":
        return server, peer, note
    return peer, server, note


def export_pcapng(
    entries: Iterable[CoapLogEntry | tuple[CoapLogEntry, bool]],
    out: BinaryIO,
    *,
    server_address: str | None = None,
    application: str = "lwm2m-workbench",
) -> int:
    """Write ``entries`` as pcapng; return the number of packets.

    An entry may come paired with a flag saying its payload was masked (then the packet gets
    a comment). ``server_address`` is the server's ``host:port`` (default 127.0.0.1:5683).
    """
    server = parse_address(server_address or DEFAULT_SERVER)
    if server is None:
        raise ValueError(f"server address {server_address!r} is not host:port")
    writer = PcapngWriter(
        out,
        application=application,
        description=f"CoAP log of server {server_address or DEFAULT_SERVER}",
    )
    for ident, item in enumerate(entries):
        entry, masked = item if isinstance(item, tuple) else (item, False)
        src, dst, note = _endpoints(entry, server)
        comments = [c for c in (note, entry.problem, entry.action) if c]
        if masked:
            comments.append("secret payload redacted (zero-filled) by the workbench")
        packet = ip_udp_packet(src, dst, entry.data, ident)
        writer.add(entry.time, packet, "; ".join(comments) or None)
    return writer.packets


# -- reading back -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PcapPacket:
    """One Enhanced Packet Block."""

    interface: int
    timestamp: float
    data: bytes
    original_length: int
    comments: tuple[str, ...] = ()


@dataclass(slots=True)
class PcapngFile:
    """What :func:`read_pcapng` found."""

    application: str | None = None
    linktypes: list[int] = field(default_factory=list)
    packets: list[PcapPacket] = field(default_factory=list)


def _read_options(data: bytes) -> list[tuple[int, bytes]]:
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos + 4 <= len(data):
        code, size = struct.unpack_from("<HH", data, pos)
        if code == _OPT_END:
            break
        out.append((code, data[pos + 4 : pos + 4 + size]))
        pos += 4 + size + (-size % 4)
    return out


def read_pcapng(data: bytes) -> PcapngFile:
    """Parse a little-endian pcapng file (SHB, IDB, EPB; other blocks are skipped).

    Raises ValueError on a structural error (bad lengths, trailer mismatch, wrong magic).
    """
    result = PcapngFile()
    pos = 0
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError(f"truncated block at {pos}")
        block_type, total = struct.unpack_from("<II", data, pos)
        if total < 12 or total % 4 or pos + total > len(data):
            raise ValueError(f"bad block length {total} at {pos}")
        (trailer,) = struct.unpack_from("<I", data, pos + total - 4)
        if trailer != total:
            raise ValueError(f"block trailer {trailer} does not match length {total} at {pos}")
        body = data[pos + 8 : pos + total - 4]
        if block_type == _SHB:
            magic, major, _minor, _length = struct.unpack_from("<IHHq", body)
            if magic != _BYTE_ORDER or major != 1:
                raise ValueError("not a little-endian pcapng version 1 section")
            for code, value in _read_options(body[16:]):
                if code == _SHB_USERAPPL:
                    result.application = value.decode("utf-8", "replace")
        elif block_type == _IDB:
            (linktype,) = struct.unpack_from("<H", body)
            result.linktypes.append(linktype)
        elif block_type == _EPB:
            iface, high, low, captured, original = struct.unpack_from("<IIIII", body)
            packet = body[20 : 20 + captured]
            options = _read_options(body[20 + captured + (-captured % 4) :])
            comments = tuple(v.decode("utf-8", "replace") for c, v in options if c == _OPT_COMMENT)
            stamp = ((high << 32) | low) / 1_000_000
            result.packets.append(PcapPacket(iface, stamp, packet, original, comments))
        pos += total
    return result


@dataclass(frozen=True, slots=True)
class UdpPacket:
    """An IP/UDP packet taken apart (what :func:`ip_udp_packet` built)."""

    src: str
    sport: int
    dst: str
    dport: int
    payload: bytes
    ip_checksum_ok: bool
    udp_checksum_ok: bool


def parse_ip_udp(packet: bytes) -> UdpPacket:
    """Split a raw IPv4/IPv6 + UDP packet; checksums are verified, not trusted."""
    version = packet[0] >> 4
    if version == 4:
        ihl = (packet[0] & 0x0F) * 4
        if packet[9] != 17:
            raise ValueError("not UDP")
        src_b, dst_b = packet[12:16], packet[16:20]
        ip_ok = _checksum(packet[:ihl]) == 0
        udp = packet[ihl:]
        pseudo = src_b + dst_b + struct.pack("!BBH", 0, 17, len(udp))
    elif version == 6:
        if packet[6] != 17:
            raise ValueError("not UDP")
        src_b, dst_b = packet[8:24], packet[24:40]
        ip_ok = True
        udp = packet[40:]
        pseudo = src_b + dst_b + struct.pack("!IxxxB", len(udp), 17)
    else:
        raise ValueError(f"IP version {version}")
    sport, dport, length, _checksum_field = struct.unpack_from("!HHHH", udp)
    return UdpPacket(
        str(ipaddress.ip_address(src_b)),
        sport,
        str(ipaddress.ip_address(dst_b)),
        dport,
        udp[8:length],
        ip_ok,
        _checksum(pseudo + udp[:length]) == 0,
    )
