"""Typed needs and the channels that serve them: which channels can take which need, how much
each can serve this month, and whose requests go first.

A resident chooses among the committee (every need), the specialised channels of the need's
route that exist in the community and have capacity, the outside option and not bringing
the need (population.py, docs/ODD.md §7.5). Every channel has one queue per community,
except the acceptance centre (one for the district) and the street labour office (one per
street): ``home[channel, community]`` is the queue a community's requests join. Queues take
cases up in no fixed order at their capacity through the month; where priority for the
vulnerable holds they go first (§7.6).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .constants import PER_THOUSAND
from .states import Channel, Elsewhere, Need

if TYPE_CHECKING:
    from .values import ValuesInForce

# The specialised channels that can take each need (besides the committee).
ROUTES: dict[Need, tuple[Channel, ...]] = {
    Need.ADMIN: (Channel.CENTRE, Channel.SERVICE_POINT),
    Need.HEALTH: (Channel.HEALTH_STATION,),
    Need.EMPLOYMENT: (Channel.LABOUR_OFFICE,),
    Need.ELDERLY_CARE: (Channel.SOCIAL_ORG,),
    Need.MUTUAL_AID: (Channel.VOLUNTEERS, Channel.SOCIAL_ORG),
}
N_CHANNELS = len(Channel)
COUNTER = N_CHANNELS
"""The column of a resident's expectations that is the committee's counter (routine paperwork
done on the spot), beside one column per channel."""
N_EXPECTATIONS = N_CHANNELS + 1
N_OPTIONS = len(Channel) + len(Elsewhere)
# takes[need, channel]: the channel can take the need (the committee takes every need).
TAKES = np.zeros((len(Need), N_CHANNELS), dtype=bool)
for _need, _route in ROUTES.items():
    TAKES[_need, list(_route)] = True
TAKES[:, Channel.COMMITTEE] = True
# Needs the committee resolves itself after casework; the others it refers to the owner
# that has the authority (a department, the hospital, the labour office).
COMMITTEE_OWN = (Need.ELDERLY_CARE, Need.MUTUAL_AID)
# Channels whose queues the service brands order (vulnerable residents first).
BRANDED = (Channel.SOCIAL_ORG, Channel.VOLUNTEERS)


def home_queues(n_streets: int, per_street: int) -> np.ndarray:
    """``home[channel, community]``: the community index whose queue of that channel the
    community's requests join (itself, the district's centre at 0, the street's first community)."""
    C = n_streets * per_street
    home = np.tile(np.arange(C), (N_CHANNELS, 1))
    home[Channel.CENTRE] = 0
    home[Channel.LABOUR_OFFICE] = np.arange(C) // per_street * per_street
    return home


def service_point_capacity(p: ValuesInForce, real_sizes: np.ndarray) -> np.ndarray:
    """Administrative needs department service points take per community (simulated)."""
    return (p["service_point_capacity_per_1000"] * real_sizes / PER_THOUSAND * p["scale"]
            * p["service_points"].astype(bool))


def capacities(p: ValuesInForce, real_sizes: np.ndarray, home: np.ndarray, committee: np.ndarray,
               centre: float, volunteers: np.ndarray) -> np.ndarray:
    """Requests each queue can serve this month (simulated residents), shape (channels, C).

    ``p``: the values in force; ``real_sizes``: real residents per community; ``home``: the
    queues communities join (``home_queues``); ``committee``: the committees' service capacity;
    ``centre``: the acceptance centre's (0 while it is closed); ``volunteers``: residents per
    community who volunteered last month. The caller hands these over, so the channels need
    nothing else of the model."""
    C = real_sizes.size
    per_resident = real_sizes / PER_THOUSAND * p["scale"]
    cap = np.zeros((N_CHANNELS, C))
    cap[Channel.COMMITTEE] = committee
    cap[Channel.CENTRE, 0] = centre
    cap[Channel.SERVICE_POINT] = service_point_capacity(p, real_sizes)
    cap[Channel.HEALTH_STATION] = p["health_station_capacity_per_1000"] * per_resident * p["health_station"]
    labour = p["labour_office_capacity_per_1000"] * per_resident * p["labour_office"]
    np.add.at(cap[Channel.LABOUR_OFFICE], home[Channel.LABOUR_OFFICE], labour)
    brands = p["service_brands"].astype(float)
    cap[Channel.SOCIAL_ORG] = (p["social_org_capacity_per_1000"] * per_resident * p["social_organizations_active"]
                               * (1 + p["brand_capacity_boost"] * brands))
    cap[Channel.VOLUNTEERS] = p["needs_per_volunteer_month"] * volunteers * brands
    return cap


def open_channels(capacity: np.ndarray, home: np.ndarray, centre_open: np.ndarray) -> np.ndarray:
    """Which channels a community's residents can take a need to, shape (channels, C): those
    whose queue for the community has capacity (the centre: the communities it covers)."""
    is_open = np.take_along_axis(capacity, home, axis=1) > 0
    is_open[Channel.CENTRE] = centre_open
    is_open[Channel.COMMITTEE] = True
    return is_open


def priority(priority_vulnerable: np.ndarray, service_brands: np.ndarray) -> np.ndarray:
    """Where vulnerable residents' requests go first, shape (channels, C): every channel where
    priority for the vulnerable is in force (the lever per community), and the branded ones
    where the service brands are."""
    first = np.tile(priority_vulnerable.astype(bool), (N_CHANNELS, 1))
    for channel in BRANDED:
        first[channel] |= service_brands.astype(bool)
    return first
