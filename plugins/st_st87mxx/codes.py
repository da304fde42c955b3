"""Numbers and names of the ST87MXX LwM2M dialect, shared by the decoder and the simulator.

The application note (../shared/specs/st-st87mxx-lwm2m-appnote.txt) shows its commands only by
example: most field meanings below are *inferred* from those examples and say so. Keeping them
in one module means the decoder and the simulator cannot drift apart on an inference.
"""

from __future__ import annotations

from typing import Final

#: The vendor document (file name in ../shared/specs/).
DOCUMENT: Final = "st-st87mxx-lwm2m-appnote.txt"

#: ``AT#LWREG=<action>,<server_id>`` actions. Only 2 is stated (§3.2, Table 5: "Host can
#: trigger registration update with AT#LWREG=2"); 1 is the register of §6.2.3, 3 the status
#: query of §6.3.3 (it answers ``#LWREG: 1,3`` before OK); 0 (de-register) is inferred.
REG_REGISTER: Final = 1
REG_UPDATE: Final = 2
REG_QUERY: Final = 3
REG_DEREGISTER: Final = 0
REG_ACTIONS: Final = {
    REG_DEREGISTER: "deregister (inferred)",
    REG_REGISTER: "register",
    REG_UPDATE: "registration update",
    REG_QUERY: "query registration status (inferred)",
}

#: ``#LWREG: <server_id>,<status>`` codes. The note never defines them (§6.2.3, §6.3.3,
#: §6.5.3 and §6.6.3 only show the sequence 1, 2, 3 after ``AT#LWREG=1,1`` and 3 as the
#: answer of a status query on a registered module), so every meaning here is inferred.
STATUS_NONE: Final = 0
STATUS_STARTED: Final = 1
STATUS_SENT: Final = 2
STATUS_REGISTERED: Final = 3
STATUS_TEXT: Final = {
    STATUS_NONE: "not registered (de-registered or failed)",
    STATUS_STARTED: "registration started",
    STATUS_SENT: "request sent, waiting for the server",
    STATUS_REGISTERED: "registered",
}

#: ``<type>`` letters of the ``#LWNTY*`` data groups. The note shows only ``D`` (§6.5.3, with
#: 8 hex digits for 4 bytes), read here as raw data in hex whose length counts hex digits.
TYPE_DATA: Final = "D"
DATA_TYPES: Final = (TYPE_DATA,)

#: §4.1: at most 4 custom object instances, 32 resources per object, no multi-instance
#: resources.
MAX_CUSTOM_INSTANCES: Final = 4
MAX_CUSTOM_RESOURCES: Final = 32

#: Built-in objects of §3 (Server, Device, Firmware Update); custom objects may not reuse them
#: (nor the Security object the stack keeps internally).
BUILTIN_OBJECTS: Final = (0, 1, 3, 5)

#: ``+CME ERROR`` numbers the simulator answers with. The note prints no error at all; these
#: are the 3GPP TS 27.007 numbers ST modules use for the same situations.
CME_NOT_ALLOWED: Final = 3
CME_NOT_SUPPORTED: Final = 4
CME_MEMORY_FULL: Final = 20
CME_INVALID_PARAM: Final = 50

#: Lines the module prints when it (re)boots (§6.3.3, §6.6.3); the first aborts a command.
BOOT_HEAD: Final = "#REBOOT_HOST"

#: URC prefixes of this family (3GPP ones come from the engine).
URC_PREFIXES: Final = (
    "#LWREG:",
    "#LWNTYRDOBJ:",
    "#LWNTYWROBJ:",
    "#LWNTYEXEOBJ:",
    "#REBOOT_HOST",
    "#SIMST:",
    "#IPCFG:",
    "#SLEEP",
    "#WAKEUP",
)
