"""Drawing for the organisers' dashboard: the chart's bars and the map's points.

Pure functions over rows the selectors (``strikes.selectors.dashboard``) have read: no queries,
no scoping, no cache. The selectors decide what the viewer may see; these modules turn it into
pixels.
"""
