"""Named states of residents and requests (Mesa's convention: enums for agent states).

They are IntEnums because the population stores them in small integer arrays, so
``resident.age_group == AgeGroup.OLD`` and ``pop.age_group == AgeGroup.OLD`` both read as
they mean.
"""

from enum import IntEnum, auto


class AgeGroup(IntEnum):
    YOUNG = 0       # 18-39
    MIDDLE = 1      # 40-59
    OLD = 2         # 60 and over


class Employment(IntEnum):
    EMPLOYED = 0
    LAID_OFF = 1
    RETIRED = 2


class Channel(IntEnum):
    """Where a resident takes a need."""

    COMMITTEE = 0
    CENTRE = 1          # the administrative-affairs acceptance centre
    SERVICE_POINT = 2   # a department's service point in the community
    HEALTH_STATION = auto()  # a community health station (社区卫生服务站)
    LABOUR_OFFICE = auto()   # the street's labour-security office (劳动保障所)
    SOCIAL_ORG = auto()      # social organisations' services, with the service brands
    VOLUNTEERS = auto()      # residents who volunteered last month


class Need(IntEnum):
    """What a need is about; it decides which channels can take it."""

    ADMIN = 0           # certificates, registration, benefits
    HEALTH = auto()
    EMPLOYMENT = auto()
    ELDERLY_CARE = auto()
    MUTUAL_AID = auto()  # help from neighbours: repairs, errands, company


class Group(IntEnum):
    """Rows of the equity counters."""

    OTHERS = 0
    VULNERABLE = 1


class Elsewhere(IntEnum):
    """Where a need goes when it goes to no channel (choice codes after the channels')."""

    OUTSIDE = len(Channel)       # family, hospital, employer, market
    NOWHERE = len(Channel) + 1   # not brought at all (balked)
