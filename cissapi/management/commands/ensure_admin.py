"""Create the first editor account if it is missing, and print how to log in."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Create an admin user (ADMIN_USERNAME / ADMIN_PASSWORD, or a generated password) and print the login."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", default="8000", help="Port the printed login URL names.")

    def handle(self, *args, **options) -> None:
        username = settings.ADMIN_USERNAME
        password = settings.ADMIN_PASSWORD or self._local_password()
        users = get_user_model().objects
        user = users.filter(username=username).first()
        if user is None:
            users.create_superuser(username, settings.ADMIN_EMAIL, password)
        elif settings.ADMIN_PASSWORD and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        port = options["port"]
        # A password the operator chose is theirs to know and stays out of terminals and logs; only a
        # generated one, which nobody could know otherwise, is printed.
        shown = "(the one in ADMIN_PASSWORD)" if settings.ADMIN_PASSWORD else password
        self.stdout.write(
            self.style.SUCCESS(
                f"\n  Admin: http://127.0.0.1:{port}/admin/   user: {username}   password: {shown}\n"
                f"  API:   http://127.0.0.1:{port}/api/v1/\n"
            )
        )

    def _local_password(self) -> str:
        # Generated once per checkout and kept beside the embedded database, so a second run prints the same.
        path = settings.VAR_DIR / "admin_password"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(12))
            path.chmod(0o600)
        return path.read_text().strip()
