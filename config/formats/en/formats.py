# vBulletin's English stamps: 12-11-2007 10:22 PM beside a post, "Dec 2007" for a join date.
BOARD_TIME_FORMAT = "m-d-Y h:i A"
JOIN_DATE_FORMAT = "M Y"
