"""The factor ↔ smart-service catalog: lookup by factor, reverse lookup by service."""

from __future__ import annotations

import pytest

from geo.participation.catalog import load_catalog
from geo.participation.framework import FACTOR_KEYS, FrameworkError

CAT = load_catalog()


def ids(services) -> list[str]:
    return [s.id for s in services]


def test_factor_to_services() -> None:
    assert ids(CAT.services_for("mobility")) == [
        "drone_shopping", "snow_plough_map", "mytaxi", "transport_info", "maas_cashless",
        "resident_gis"]
    assert ids(CAT.services_for("natural_disasters")) == [
        "snow_plough_map", "disaster_iot_river", "shelter_checkin"]
    assert ids(CAT.services_for("housing")) == ["vacancy_water_meter"]


def test_service_to_factors_reverse_lookup() -> None:
    # in the framework's order, whatever the order in the catalog file
    assert [f.key for f in CAT.factors_for("watch_cameras_ble")] == [
        "medical_welfare", "childcare", "accidents_crime", "community_ties"]
    assert [f.ja for f in CAT.factors_for("mytaxi")] == [
        "医療・福祉", "買物・飲食", "移動・交通", "デジタル生活"]


def test_both_directions_agree_everywhere() -> None:
    for s in CAT.services:
        for f in CAT.factors_for(s.id):
            assert s in CAT.services_for(f.key)
    for key in FACTOR_KEYS:
        for s in CAT.services_for(key):
            assert key in [f.key for f in CAT.factors_for(s.id)]
    assert sum(CAT.coverage().values()) == sum(len(s.factors) for s in CAT.services)
    assert list(CAT.coverage()) == list(FACTOR_KEYS)


def test_the_services_named_in_the_issue_are_there() -> None:
    wanted = {"drone_shopping", "watch_cameras_ble", "health_points", "snow_plough_map",
              "disaster_iot_river", "school_push", "mytaxi", "open_data_portal"}
    assert wanted <= set(ids(CAT.services))
    assert "マイナンバーカード" in CAT.service("mytaxi").ja
    assert all(s.source.startswith("seed 00") for s in CAT.services)


def test_unknown_keys_raise() -> None:
    with pytest.raises(KeyError, match="walkability"):
        CAT.services_for("walkability")
    with pytest.raises(KeyError, match="teleporter"):
        CAT.factors_for("teleporter")


def test_a_catalog_naming_an_unknown_factor_is_refused(tmp_path) -> None:
    bad = tmp_path / "catalog.toml"
    bad.write_text('[[services]]\nid = "x"\nja = "x"\nen = "x"\nwhere = "x"\n'
                   'summary_ja = "x"\nsummary_en = "x"\nsource = "x"\n'
                   'factors = ["mobility", "teleportation"]\n', encoding="utf-8")
    with pytest.raises(FrameworkError, match=r"service 1 \(x\): unknown or no factors "
                                             r"\['teleportation'\]"):
        load_catalog(bad)
