"""The domain error codes strikes raises (see ``kernel.errors``), by topic. Views may read a
code to choose a message or a partial; the message itself travels with the error."""

from __future__ import annotations

from kernel.errors import register_code

# Planning: disputes, ballots, strike days, rallies.
register_code("no_title", "The dispute has no title.")
register_code("bad_staff_groups", "No staff group, or one the union does not know, was chosen.")
register_code("negative_votes", "A vote count below zero.")
register_code("votes_over_electorate", "More votes cast than people entitled to vote.")
register_code("yes_no_over_cast", "More yes and no votes than votes cast.")
register_code("bad_dates", "The ballot closes before it opens.")
register_code("not_per_unit", "A per-unit result for a ballot counted as one aggregate.")
register_code("bad_unit", "A ballot unit that is not exactly one school, trust or district.")
register_code("bad_scope", "What a strike day covers is missing or not a known kind of scope.")
register_code("outside_area", "A place outside the officer's own area.")
register_code("bad_hours", "The strike day ends before it starts.")
register_code("closed", "The dispute is closed: reopen it first.")
register_code("no_mandate", "No valid mandate for the day: the ballot fails a rule in force.")
register_code("no_schools", "No school in the scope may strike that day.")
register_code("no_part", "No part of the day was chosen to change.")
register_code("nothing_to_cancel", "No school in that part is still called out on the day.")
register_code("same_date", "A day moved to the date it already has.")
register_code("bad_place", "A district that is not in the region given.")
register_code("missing", "The rally has no title or meeting point.")
register_code("bad_date", "A rally on a date other than its strike day.")
register_code("implausible_date", "A date outside 2000 to two years from today (a typo).")
register_code("long_title", "A dispute title longer than 200 characters.")
register_code("bad_place_kind", "Where a dispute is, missing or not a known kind of place.")
register_code("no_place", "A dispute's place kind chosen without the places themselves.")
register_code("bad_employers", "No kind of employer, or an unknown one, for a dispute.")
register_code("bad_kind", "A ballot that is not indicative, postal or electronic, or aggregated.")
register_code(
    "electorate_outside_groups", "An electorate for a staff group the ballot did not ask."
)
register_code(
    "electorate_split_mismatch", "The electorate by staff group does not add up to the total."
)
register_code("bad_nations", "A ballot asking members outside the dispute's nations.")
register_code("no_dates", "A run of strike days with no date.")
register_code("long_name", "A site or entrance name longer than 100 characters.")
register_code("duplicate", "A site already has an entrance of that name.")
register_code("too_many_days", "More days in one run than can be announced at once.")

# Picket lines, shifts and check-in.
register_code("bad_time", "A time that is not written like 07:30.")
register_code("bad_times", "A shift that ends before it starts.")
register_code("bad_capacity", "A shift with no places.")
register_code("bad_minimum", "A minimum wanted below zero or above the shift's places.")
register_code("empty_pattern", "No shift times were given.")
register_code("day_cancelled", "The strike day has been called off (here or everywhere).")
register_code("day_past", "The strike day has passed.")
register_code("removed", "The shift has been removed.")
register_code("below_booked", "A shift made smaller than the number already booked on it.")
register_code("not_member", "The person is not a member at this school.")
register_code("opted_out", "The member asked not to be nudged.")
register_code("not_expected", "Checking in someone who is not expected on the shift.")
register_code("not_arrived", "Undoing the check-in of someone who was not checked in.")
register_code("no_name", "No name was given.")
register_code("shift_not_ended", "No-shows marked before the shift has ended.")
register_code("negative_count", "A count below zero in a report.")
register_code("bad_status", "A report without a known school status.")
register_code("escalate_needs_incident", "Escalating a report that does not say what happened.")

# Sign-ups, supporters and reminders.
register_code("shift_cancelled", "The rep has cancelled the shift.")
register_code("started", "The shift has already started.")
register_code("not_your_school", "A member signing up at a school that is not their own.")
register_code(
    "group_not_called_out", "A member whose staff group is not called out there that day."
)
register_code("no_consent", "A supporter did not agree to be contacted.")
register_code("no_contact", "A supporter gave neither an email address nor a mobile number.")
register_code("wrong_line", "A shift that is not on the picket line given.")
register_code("not_active", "A sign-up that is no longer active, so it cannot be confirmed.")
register_code("cancelled", "The shift or its strike day has been called off.")

# Broadcasts.
register_code("audience", "A message with no audience (reps or members) chosen.")
register_code("empty", "A message without a subject or a body.")
register_code("no_nonce", "A form sent without its one-time nonce.")
register_code(
    "recipients_changed", "The audience of a broadcast changed between its preview and its send."
)

# The public face: published pages and messages of support.
register_code("bad_target", "Publish or unpublish a strike day or a dispute, one at a time.")
register_code("not_officer", "Only the union's officers publish its public pages.")
register_code("too_long", "A text longer than its limit.")
register_code("no_message", "A message of support with no words.")
register_code("wrong_day", "A strike day that is not part of the dispute given.")
register_code("no_day", "A message to a school's line without the strike day.")
register_code("not_called_out", "A message to a school that is not on strike that day.")
register_code("not_published", "A message through a page that is not (or no longer) public.")
register_code(
    "not_moderator", "Only the school's rep or an officer over it moderates its messages."
)

# Ballot turnout tracking (strikes/services/turnout.py, strikes/turnout_counters.py).
register_code("turnout_closed", "The ballot has closed: marks can no longer change.")
register_code("turnout_not_open", "The ballot has not opened yet.")
register_code("turnout_marks_deleted", "The marks were deleted after the ballot closed.")
register_code("turnout_bad_mark", "Not a mark this person may make.")
register_code("turnout_bad_tracking", "The tracking's details do not fit.")
register_code("turnout_bad_official", "The official figures do not add up.")
register_code("count_too_big", "A count in a report past what one picket line could hold.")
register_code("text_too_long", "A report's notes or incident past their length limit.")
register_code("check_in_closed", "Check-in or a walk-up outside the strike day's window.")
register_code("reports_closed", "A report outside the strike day's window.")
register_code("already_on_rota", "A supporter's contact is already on that shift's rota.")
