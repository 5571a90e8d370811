"""Named states of residents and requests (Mesa's convention: enums for agent states).

They are IntEnums because the population stores them in small integer arrays, so
``resident.age_group == AgeGroup.OLD`` and ``pop.age_group == AgeGroup.OLD`` both read as
they mean.
"""

from enum import IntEnum


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


class Group(IntEnum):
    """Rows of the equity counters."""

    OTHERS = 0
    VULNERABLE = 1
