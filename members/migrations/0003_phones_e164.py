"""Phone numbers to E.164 (+447700900123), read as British when they have no country code.

A number that cannot be one is cleared, and the row is listed in this migration's output (model
and id, not the number). Kept numbers that cannot be dialled would look usable and fail at the
first text; the person can give a number again (members: the union's next export; supporters:
the rota form). Clearing never breaks a rule: a member whose only channel was SMS is switched to
email (every member has one), and a supporter whose phone was their only contact keeps the text
as it was, listed as such, since a supporter needs a contact.
The reverse step leaves numbers in E.164, which the old code also accepted.
"""

from django.db import migrations

DRAMA_MOBILES = range(7700900000, 7700901000)  # Ofcom's numbers for drama: accepted


def _e164(text):
    import phonenumbers

    text = (text or "").strip()
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, "GB")
    except phonenumbers.NumberParseException:
        return None
    drama = number.country_code == 44 and number.national_number in DRAMA_MOBILES
    if not (phonenumbers.is_valid_number(number) or drama):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def forwards(apps, schema_editor):
    User = apps.get_model("members", "User")
    Supporter = apps.get_model("members", "Supporter")
    report = []
    for user in User.objects.exclude(phone="").only("pk", "phone", "preferred_channel").iterator():
        e164 = _e164(user.phone)
        if e164 == user.phone:
            continue
        fields = ["phone"]
        if e164 is None:
            e164 = ""
            note = "cleared (not a phone number)"
            if user.preferred_channel == "sms":
                user.preferred_channel = "email"
                fields.append("preferred_channel")
                note += "; messages now go by email"
            report.append(f"members.User {user.pk}: {note}")
        user.phone = e164
        user.save(update_fields=fields)
    for supporter in Supporter.objects.exclude(phone="").only("pk", "phone", "email").iterator():
        e164 = _e164(supporter.phone)
        if e164 == supporter.phone:
            continue
        if e164 is None:
            if not supporter.email:
                report.append(f"members.Supporter {supporter.pk}: kept (not a phone number, but "
                              "the supporter's only contact)")
                continue
            report.append(f"members.Supporter {supporter.pk}: cleared (not a phone number)")
            e164 = ""
        supporter.phone = e164
        supporter.save(update_fields=["phone"])
    if report:
        print(f"\n  Phone numbers that could not be read ({len(report)}):")  # noqa: T201
        for line in report:
            print(f"    {line}")  # noqa: T201


class Migration(migrations.Migration):
    dependencies = [("members", "0002_move_auditentry_to_kernel")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
