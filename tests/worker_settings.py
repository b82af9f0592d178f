"""Settings for a `db_worker` subprocess in the durability tests: the board's own, with every
mail written to files in BOARD_TEST_MAILBOX by tests.worker_settings.Mailbox."""

import os
import threading

from django.core.mail.backends.filebased import EmailBackend

from config.settings import *  # noqa: F403

MAILERS = {
    "default": {
        "BACKEND": "tests.worker_settings.Mailbox",
        "OPTIONS": {"file_path": os.environ.get("BOARD_TEST_MAILBOX", "")},
    }
}


class Mailbox(EmailBackend):
    """The mail server: a folder. With BOARD_TEST_HANG_FD set, once the first mail is in the
    folder the worker says so on that file descriptor and hangs, for the test to kill it right
    between sending and recording that it sent."""

    def send_messages(self, email_messages):
        count = super().send_messages(email_messages)
        if hang_fd := os.environ.get("BOARD_TEST_HANG_FD"):
            os.write(int(hang_fd), b"sent\n")
            threading.Event().wait()
        return count
