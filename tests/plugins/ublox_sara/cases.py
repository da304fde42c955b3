"""Which plugin and variant each transcript of the application note belongs to."""

from __future__ import annotations

from pathlib import Path

TRANSCRIPTS = Path(__file__).parent / "transcripts"

#: transcript stem → (plugin id, variant); the note's section names the product.
CASES: dict[str, tuple[str, str]] = {
    "s3_5_2_r5_config_read": ("ublox-sara-r5", "01B"),
    "s3_7_enable_lwm2m_ufota": ("ublox-sara-r5", "01B"),
    "s4_1_r41_stop_restore": ("ublox-sara-r4", "02B"),
    "s4_1_r5_stop_restore": ("ublox-sara-r5", "01B"),
    "s4_1_client_status_urcs": ("ublox-sara-r4", "02B"),
    "s4_1_1_init_urcs": ("ublox-lexi-r4", "R422"),
    "s4_1_2_connection_urcs": ("ublox-sara-r5", "01B"),
    "s4_2_view_objects": ("ublox-sara-r4", "02B"),
    # §4.3.1 names no product; its "<status>=2 ... successfully registered" is the 63B numbering
    # of §4.3.2 beside it (audit M1, profiles.py).
    "s4_3_1_registration_query": ("ublox-sara-r4", "63B"),
    "s4_3_2_registration_urcs_63b": ("ublox-sara-r4", "63B"),
    "s4_3_3_deregistration": ("ublox-sara-r4", "02B"),
    "s4_4_disable_ublox_server": ("ublox-sara-r5", "01B"),
    "s4_4_delete_server_and_lifetime": ("ublox-sara-r5", "01B"),
    "s4_5_read_write": ("ublox-sara-r5", "01B"),
    "s4_5_read_same_line_ok": ("ublox-sara-r5", "01B"),
    "s4_6_odis": ("ublox-sara-r4", "02B"),
    "s5_1_add_server": ("ublox-sara-r4", "02B"),
    "s5_1_1_security_dtls": ("ublox-sara-r4", "02B"),
    "s5_1_3_delete_instances": ("ublox-sara-r4", "02B"),
    "s5_1_5_urcs_63b": ("ublox-sara-r4", "63B"),
    "s5_1_5_urcs_r5": ("ublox-sara-r5", "01B"),
    "s5_2_lifetime_63b": ("ublox-sara-r4", "63B"),
    "s5_2_lifetime_r5": ("ublox-sara-r5", "01B"),
    "s5_3_objects": ("ublox-sara-r4", "R422-00B"),
    "s5_3_3_create_write_read": ("ublox-sara-r4", "63B"),
    "s5_5_gpio_pulse": ("ublox-sara-r4", "02B"),
    "s5_6_acl": ("ublox-sara-r4", "02B"),
    "appC_verizon_motive": ("ublox-sara-r5", "01B"),
    "appD_r41_disable": ("ublox-sara-r4", "02B"),
    "appE_r5_att_disable": ("ublox-sara-r5", "01B"),
    # Fidelity audit 2026-12: forms the note describes in words but prints no example of.
    "audit_m1_r5_registration_query": ("ublox-sara-r5", "01B"),
    "audit_m4_m7_r5_status_codes": ("ublox-sara-r5", "01B"),
}
