# vBulletin's German stamps: 11.12.2007, 22:22 beside a post, "Dez 2007" for a join date.
BOARD_TIME_FORMAT = "d.m.Y, H:i"
JOIN_DATE_FORMAT = "M Y"
