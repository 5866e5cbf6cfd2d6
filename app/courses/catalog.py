"""A small sample catalog of public courses for a fresh install (``flask courses seed``).

Facts are approximate and for trying the app out; check a course's own site before booking.
"""

from __future__ import annotations

from typing import Any

SAMPLE_COURSES: tuple[dict[str, Any], ...] = (
    {"name": "TPC Harding Park", "zip": "94132", "holes": 18, "par": 72,
     "website": "https://tpc.com/hardingpark", "notes": "Municipal course around Lake Merced."},
    {"name": "Lincoln Park Golf Course", "zip": "94121", "holes": 18, "par": 68,
     "notes": "Short and hilly, with views of the Golden Gate."},
    {"name": "Golden Gate Park Golf Course", "zip": "94121", "holes": 9, "par": 27,
     "notes": "Pitch-and-putt nine in the park; good for a quick loop."},
    {"name": "Presidio Golf Course", "zip": "94129", "holes": 18, "par": 72,
     "notes": "Tree-lined and often foggy in the morning."},
    {"name": "Sharp Park Golf Course", "zip": "94044", "holes": 18, "par": 72,
     "notes": "Seaside municipal links south of the city."},
    {"name": "Tilden Park Golf Course", "zip": "94708", "holes": 18, "par": 70,
     "notes": "Up in the Berkeley hills; bring a layer."},
    {"name": "Poplar Creek Golf Course", "zip": "94402", "holes": 18, "par": 70,
     "notes": "Flat, walkable municipal course."},
    {"name": "Torrey Pines (South)", "zip": "92037", "holes": 18, "par": 72,
     "website": "https://www.torreypinesgolfcourse.com", "notes": "Cliff-top municipal course."},
    {"name": "Rancho Park Golf Course", "zip": "90064", "holes": 18, "par": 71,
     "notes": "Busy city course; book early."},
    {"name": "Papago Golf Course", "zip": "85008", "holes": 18, "par": 72,
     "notes": "Desert municipal course under the buttes."},
    {"name": "Chambers Bay", "zip": "98467", "holes": 18, "par": 72,
     "website": "https://www.chambersbaygolf.com", "notes": "Walking only; links on Puget Sound."},
    {"name": "Bandon Dunes", "zip": "97411", "holes": 18, "par": 72,
     "website": "https://www.bandondunesgolf.com", "notes": "Resort links; walking only."},
    {"name": "Bethpage Black", "zip": "11735", "holes": 18, "par": 71,
     "notes": "State park course; famously hard. Walking only."},
    {"name": "Van Cortlandt Park Golf Course", "zip": "10471", "holes": 18, "par": 70,
     "notes": "The oldest public course in the US."},
    {"name": "Dyker Beach Golf Course", "zip": "11228", "holes": 18, "par": 71,
     "notes": "Brooklyn municipal course by the Verrazzano bridge."},
    {"name": "Cog Hill No. 4 (Dubsdread)", "zip": "60439", "holes": 18, "par": 72,
     "notes": "Championship daily-fee course."},
    {"name": "Pinehurst No. 2", "zip": "28374", "holes": 18, "par": 72,
     "website": "https://www.pinehurst.com", "notes": "Resort course with crowned greens."},
    {"name": "Whistling Straits (Straits)", "zip": "53044", "holes": 18, "par": 72,
     "notes": "Lakeside links; caddies recommended."},
)
