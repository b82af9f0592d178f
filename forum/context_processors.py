from django.conf import settings


def board(request) -> dict:
    return {"board_name": settings.BOARD_NAME}
