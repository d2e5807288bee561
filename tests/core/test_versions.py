from jukebox_gui.core.versions import package_versions


def test_package_versions_from_metadata():
    found = package_versions(("numpy", "no-such-distribution-xyz"))
    assert list(found) == ["python", "numpy"] and found["numpy"][0].isdigit()
    assert package_versions(("no-such-distribution-xyz",), missing="missing")["no-such-distribution-xyz"] == "missing"
