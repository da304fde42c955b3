

def test_canonical_head_ignores_spacing_and_case_outside_quotes() -> None:
    from workbench.at.syntax import canonical_head

    assert canonical_head('+QLWURC:  "recv" , "/19/1/0",4') == '+qlwurc:"recv","/19/1/0",4'
    assert canonical_head('+QLWURC:"RECV"') == canonical_head('+QLWURC: "recv"')
    # spaces inside quotes are data and stay
    assert canonical_head('+X: "a , b"') == '+x:"a , b"'
