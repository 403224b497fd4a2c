"""A call that says where (a place's name, its latitude and longitude, its timezone) takes them from one place
(task_synth.places). Regression: each was drawn apart ("New York, a latitude of 3, a longitude of 12 and Denver"),
and a real sun-times server answered for a point in the sea."""

from __future__ import annotations

from pathlib import Path

import pytest

from task_synth.places import PLACES, fit_place
from tests.synth._baselines import stateful_fixture, synthesized, validated_and_scored

NUM = {"type": "number", "minimum": -180, "maximum": 180}
PROPS = {"location": {"type": "string"}, "latitude": NUM, "longitude": NUM, "time_zone": {"type": "string"},
         "country": {"type": "string"}, "date": {"type": "string"}}


def test_a_place_its_coordinates_timezone_and_country_come_from_one_city():
    args = {"location": "Denver, CO", "latitude": 3, "longitude": 12.5, "time_zone": "Asia/Tokyo",
            "country": "Brazil", "date": "2026-10-15"}
    fit_place(PROPS, args, set())
    place = next(p for p in PLACES if p.city == args["location"])
    assert args == {"location": place.city, "latitude": place.latitude, "longitude": place.longitude,
                    "time_zone": place.timezone, "country": place.country, "date": "2026-10-15"}
    # no city named: one chosen by the values drawn, always the same for the same values
    a, b = {"latitude": 3, "longitude": 12.5}, {"latitude": 3, "longitude": 12.5}
    fit_place(PROPS, a, set())
    fit_place(PROPS, b, set())
    assert a == b and (a["latitude"], a["longitude"]) in {(p.latitude, p.longitude) for p in PLACES}
    # camelCase and short names; an integer latitude stays an integer
    args = {"lat": 1, "lng": 2, "cityName": "x", "timezone": "UTC"}
    fit_place({"lat": {"type": "integer"}, "lng": {"type": "number"}}, args, set())
    assert isinstance(args["lat"], int) and args["cityName"] in {p.city for p in PLACES}
    assert args["timezone"] == next(p.timezone for p in PLACES if p.city == args["cityName"])


def test_two_points_bound_values_and_bounds_that_forbid_the_place_leave_the_call_alone():
    two = {"from_lat": 1.0, "from_lon": 2.0, "to_lat": 3.0, "to_lon": 4.0}
    fit_place({}, dict(two), set())
    assert two == {"from_lat": 1.0, "from_lon": 2.0, "to_lat": 3.0, "to_lon": 4.0}
    bound = {"latitude": 5.5, "longitude": 6.5, "location": "x"}
    fit_place(PROPS, bound, {"latitude"})  # the latitude came from an earlier result: nothing is moved
    assert bound == {"latitude": 5.5, "longitude": 6.5, "location": "x"}
    fit_place(PROPS, bound, {"location"})  # nor when the place's name did
    assert bound == {"latitude": 5.5, "longitude": 6.5, "location": "x"}
    narrow = {"latitude": 5.5, "longitude": 6.5}
    fit_place({"latitude": {"type": "number", "minimum": 50, "maximum": 60}, "longitude": NUM}, narrow, set())
    assert narrow == {"latitude": 5.5, "longitude": 6.5}


SUNTIMES = Path(__file__).parent / "servers" / "suntimes_server.py"


@pytest.mark.anyio
@pytest.mark.timeout(1200)
async def test_sun_times_are_asked_for_real_places_whose_name_coordinates_and_timezone_agree(tmp_path):
    spec = stateful_fixture("suntimes", SUNTIMES)
    state, suite = await synthesized(spec, tmp_path, n=6, seed=1)
    assert len(suite.tasks) >= 5, [r.reasons for r in state.rejected][:10]
    cities = {p.city: p for p in PLACES}
    for t in suite.tasks:
        for s in t.reference:
            place = cities[s.arguments["location"]]
            assert (s.arguments["latitude"], s.arguments["longitude"], s.arguments["time_zone"]) == (
                place.latitude, place.longitude, place.timezone), t.id
        said = t.fuzzy.split(" with ", 1)[-1].split(", and tell me")[0]
        assert said.count(s.arguments["location"]) == 1, t.fuzzy  # the place and its timezone said once
    await validated_and_scored(spec, suite, tmp_path)
