"""Plain words for contract state names: one table, used by every view."""

from workbench.module.words import plain


def test_known_names_read_as_words() -> None:
    assert plain("update_pending") == "update pending"
    assert plain("registered_roaming") == "registered (roaming)"
    assert plain("registered_home") == "registered (home network)"
    assert plain("not_registered") == "not registered"


def test_other_names_lose_their_underscores_and_text_is_left_alone() -> None:
    assert plain("some_new_state") == "some new state"
    assert plain("registered") == "registered"
    assert plain(60) == "60"
    assert plain("ERROR: cme_error 3") == "ERROR: cme_error 3"  # free text keeps its spelling
