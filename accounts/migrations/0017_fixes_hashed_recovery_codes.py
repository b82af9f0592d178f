"""Recovery codes stored as django-otp left them (the code itself) become their keyed hashes
(accounts.two_factor.recovery_code_hash): existing codes keep working, and none is readable
in the database any more. There is no way back: the codes cannot be recovered from hashes."""

import base64

from django.db import migrations
from django.utils.crypto import salted_hmac

# A copy of accounts.two_factor.recovery_code_hash as it was when this was written: a
# migration must not change when the app's code does.
SALT = "accounts.two_factor.recovery_code"
PLAIN_ALPHABET = set("abcdefghijklmnopqrstuvwxyz234567")


def code_hash(member_id: int, code: str) -> str:
    digest = salted_hmac(SALT, f"{member_id}:{code}", algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest[:12]).decode("ascii")


def hash_codes(apps, schema_editor):
    StaticToken = apps.get_model("otp_static", "StaticToken")
    tokens = StaticToken.objects.select_related("device").only("token", "device__user_id")
    changed = []
    for token in tokens.iterator(chunk_size=2000):
        # django-otp's codes are 8 characters of lower-case base 32; a hash is 16 of base 64.
        # Checking keeps a second run (or a code hashed by new code already) from hashing twice.
        if len(token.token) == 16 or not set(token.token) <= PLAIN_ALPHABET:
            continue
        token.token = code_hash(token.device.user_id, token.token)
        changed.append(token)
    StaticToken.objects.bulk_update(changed, ["token"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0016_i18n_member_language"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(hash_codes, migrations.RunPython.noop)]
