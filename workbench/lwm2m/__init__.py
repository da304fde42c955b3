"""The LwM2M data model: paths, object definitions, typed values and content-format codecs.

Pure Python: no Qt, no I/O besides reading definition files the caller names.
"""

from workbench.lwm2m.errors import CodecError, DefinitionError, PathError, ValueValidationError
from workbench.lwm2m.model import (
    ObjectDefinition,
    Operations,
    ResourceDefinition,
    ResourceType,
)
from workbench.lwm2m.paths import Path
from workbench.lwm2m.values import ObjectLink, Value

__all__ = [
    "CodecError",
    "DefinitionError",
    "ObjectDefinition",
    "ObjectLink",
    "Operations",
    "Path",
    "PathError",
    "ResourceDefinition",
    "ResourceType",
    "Value",
    "ValueValidationError",
]
