"""`mutuelle demo`: load the demo network and print one login per role."""

from django.core.management.base import BaseCommand

from mutuelle.core.demo import network
from mutuelle.core.roles import Role


class Command(BaseCommand):
    help = "Load the demo network (once) and print the logins."

    def handle(self, *args, **options):
        created = network.load()
        self.stdout.write("Demo network loaded." if created else "Demo network already loaded.")
        self.stdout.write("")
        self.stdout.write("Logins (user name / password) — http://127.0.0.1:8000/")
        for role, username, full_name, where, _scope in network.LOGINS:
            label = str(Role(role).label)
            self.stdout.write(
                f"  {label:<28} {username:<18} {network.password_for(username):<24} "
                f"{full_name} ({where or '*'})"
            )
        self.stdout.write("")
        self.stdout.write(
            "The platform administrator must set up two-step verification at first login "
            "(an authenticator app such as FreeOTP or Aegis)."
        )
