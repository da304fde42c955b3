"""ClientConfig: the client's settings as one value, and the old keywords' deprecation path."""

from __future__ import annotations

import dataclasses

import pytest

from workbench.client import ClientConfig, LwM2MClient


def test_the_config_sets_the_client() -> None:
    config = ClientConfig(lifetime=77, binding="UQ", lwm2m_version="1.0", awake_time=5.0)
    client = LwM2MClient("cfg", "coap://127.0.0.1:5683", config=config)
    assert client.config is config
    assert (client.lifetime, client.binding, client.lwm2m_version) == (77, "UQ", "1.0")
    assert client.awake_time == 5.0


def test_old_keywords_still_work_but_warn() -> None:
    with pytest.warns(DeprecationWarning, match=r"lifetime=\.\.\..*ClientConfig"):
        client = LwM2MClient("old", "coap://127.0.0.1:5683", lifetime=42, retry_max=3.0)
    assert client.lifetime == 42 and client.retry_max == 3.0
    assert client.config == dataclasses.replace(ClientConfig(), lifetime=42, retry_max=3.0)


def test_old_keywords_override_a_given_config() -> None:
    with pytest.warns(DeprecationWarning):
        client = LwM2MClient(
            "mix", "coap://127.0.0.1:5683", config=ClientConfig(lifetime=10), binding="UQ"
        )
    assert (client.lifetime, client.binding) == (10, "UQ")


def test_a_misspelt_keyword_is_still_a_type_error() -> None:
    with pytest.raises(TypeError, match="lifetmie"):
        LwM2MClient("typo", "coap://127.0.0.1:5683", lifetmie=5)


def test_a_bad_version_or_no_url_is_refused() -> None:
    with pytest.raises(ValueError, match="lwm2m_version"):
        LwM2MClient("v", "coap://127.0.0.1:5683", config=ClientConfig(lwm2m_version="2.0"))
    with pytest.raises(ValueError, match="server_url"):
        LwM2MClient("none", None, config=ClientConfig())
