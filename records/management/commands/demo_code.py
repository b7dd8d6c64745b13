"""Print the code the demo's doctors and staff give after their password: `manage.py demo_code`.

It stands in for the authenticator app of the demo (seed_demo gives every demo doctor and
staff login the same published secret, DEMO_TOTP_KEY). Refused in production, where no
login has that secret and nothing should print codes.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.second_factor import current_code
from records.management.commands.seed_demo import DEMO_TOTP_KEY


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo's doctors and staff."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("Refusing to print codes in production.")
        self.stdout.write(current_code(TOTPDevice(key=DEMO_TOTP_KEY)))
