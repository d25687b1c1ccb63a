"""Log in with a user name, an email address or a phone number."""

from django.contrib.auth.backends import ModelBackend

from .models import User


class EmailOrPhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = User.objects.get_by_login(username or kwargs.get("login", ""))
        if user is None:
            # Spend the same time as a real check so logins cannot be probed by timing.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
