"""Refuses a request body larger than any form of the board can use, before Django writes its
files to a temporary folder: a post's files at their limits, plus room for the text."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler

TEXT_ROOM = 1024 * 1024


def largest_request() -> int:
    files = settings.BOARD_ATTACHMENTS_PER_POST * settings.BOARD_ATTACHMENT_MAX_BYTES
    return max(files, settings.BOARD_AVATAR_MAX_BYTES) + TEXT_ROOM


class RequestSizeLimit(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > largest_request():
            raise RequestDataTooBig("The upload is larger than a post may carry.")

    def receive_data_chunk(self, raw_data, start):
        return raw_data

    def file_complete(self, file_size):
        return None
