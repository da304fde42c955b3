"""The client table finds a client by its last-seen address without scanning every record."""

from __future__ import annotations

from workbench.server.registration import ClientRecord, ClientTable


def _record(endpoint: str, address: str) -> ClientRecord:
    return ClientRecord(
        endpoint=endpoint, location=f"loc-{endpoint}", remote=None, address=address,
        lifetime=60, binding="U", lwm2m_version="1.1", sms=None, queue_mode=False,
        objects={}, root="/", content_formats=(),
    )  # fmt: skip


def test_address_index_follows_add_readdress_replace_and_remove() -> None:
    table = ClientTable()
    records = [_record(f"ep{i}", f"127.0.0.1:{10000 + i}") for i in range(500)]
    for record in records:
        table.add(record)
    assert table.by_address("127.0.0.1:10042") is records[42]
    assert table._by_address["127.0.0.1:10042"] is records[42]  # indexed, not scanned
    table.readdress(records[42], "10.0.0.9:5683")
    assert table.by_address("10.0.0.9:5683") is records[42]
    assert table.by_address("127.0.0.1:10042") is None
    # A re-registration of the same endpoint from elsewhere replaces the old record.
    again = _record("ep7", "10.0.0.7:1")
    table.add(again)
    assert table.by_address("10.0.0.7:1") is again
    assert table.by_address("127.0.0.1:10007") is None
    table.remove(records[3])
    assert table.by_address("127.0.0.1:10003") is None
    # An address changed behind the table's back is still found (by the fallback scan).
    records[5].address = "10.0.0.5:2"
    assert table.by_address("10.0.0.5:2") is records[5]
    assert table.by_address("127.0.0.1:10005") is None
    # readdress of a record no longer in the table does not put it back.
    table.readdress(records[3], "10.0.0.3:3")
    assert table.by_address("10.0.0.3:3") is None
    table.clear()
    assert table.by_address("10.0.0.7:1") is None and len(table) == 0
