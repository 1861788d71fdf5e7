"""Drawing for the organisers' dashboard: the chart's bars. (The map is drawn in the browser by
the one map component, static/js/map.js, from strikes.selectors.maps.)

Pure functions over rows the selectors (``strikes.selectors.dashboard``) have read: no queries,
no scoping, no cache. The selectors decide what the viewer may see; these modules turn it into
pixels.
"""
