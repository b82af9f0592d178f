"""How fast does import_archive read saved vBulletin 3.6 thread pages? Prints posts per second.

    .venv/bin/python bench/import_html.py [--posts 10000] [--per-page 10] [--posts-per-thread 100]

It writes showthread pages as vBulletin 3.6's default style rendered them (the postbit with
user info, signature, Reply With Quote, navbar, page navigation, footer; one page in five as
the Wayback Machine saved it; bodies with quotes, smilies, bold and links) to a temporary
folder, shuffled, then imports the folder into a fresh scratch PostgreSQL database,
BENCH_IMPORT_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/board_bench_html,
dropped and created on each run), as an administrator would: one call of the command. It then
imports the folder again (nothing new) and checks every counter with recount.
"""

import argparse
import html
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.databases import scratch_import_board  # noqa: E402

DATABASE_URL = os.environ.get(
    "BENCH_IMPORT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/board_bench_html"
)
os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

WORDS = (BASE_DIR / "fixtures" / "cardio-back-pain.txt").read_text(encoding="utf-8").split()

PAGE_HEAD = """\
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" \
"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" dir="ltr" lang="en">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1" />
<meta name="generator" content="vBulletin 3.6.8" />
<style type="text/css" id="vbulletin_css">
body {{ background: #E1E4F2; color: #000000; font: 10pt verdana, geneva, lucida, arial; }}
.page {{ background: #FFFFFF; color: #000000; }}
</style>
<script type="text/javascript" src="clientscript/vbulletin_global.js?v=368"></script>
<title> {title}{page_title} - IronWorks Fitness Forums</title>
</head>
<body>
<a name="top"></a>
<table class="tborder" cellpadding="6" cellspacing="1" border="0" width="100%" align="center">
<tr>
	<td class="alt1" width="100%">
		<table cellpadding="0" cellspacing="0" border="0">
		<tr valign="bottom">
			<td><a href="#" onclick="history.back(1); return false;"><img \
src="images/misc/navbits_start.gif" alt="Go Back" border="0" /></a></td>
			<td>&nbsp;</td>
			<td width="100%"><span class="navbar"><a href="index.php" accesskey="1">IronWorks \
Fitness Forums</a></span>
	<span class="navbar">&gt; <a href="forumdisplay.php?f=3">Training</a></span>
</td>
		</tr>
		<tr>
			<td class="navbar" style="font-size:10pt; padding-top:1px" colspan="3"><a \
href="showthread.php?t={thread_id}"><img class="inlineimg" \
src="images/misc/navbits_finallink_ltr.gif" alt="Reload this Page" border="0" /></a> <strong>
	{title}
</strong></td>
		</tr>
		</table>
	</td>
</tr>
</table>
<br />
<table cellpadding="0" cellspacing="0" border="0" width="100%" style="margin-bottom:3px">
<tr valign="bottom">
	<td class="smallfont"><a href="newreply.php?do=newreply&amp;noquote=1&amp;t={thread_id}" \
rel="nofollow"><img src="images/buttons/reply.gif" alt="Reply" border="0" /></a></td>
	<td align="right"><div class="pagenav" align="right">
<table class="tborder" cellpadding="3" cellspacing="1" border="0">
<tr>
	<td class="vbmenu_control" style="font-weight:normal">Page {page} of {pages}</td>
	{page_links}
</tr>
</table>
</div></td>
</tr>
</table>
<div id="posts">
"""

POSTBIT = """\
<!-- post #{post_id} -->
<div align="center">
	<div class="page" style="width:100%; text-align:left">
		<div style="padding:0px 25px 0px 25px" align="left">
	<div id="edit{post_id}" style="padding:0px 0px 6px 0px">
<table id="post{post_id}" class="tborder" cellpadding="6" cellspacing="0" border="0" \
width="100%" align="center">
<tr>
	<td class="thead" >
		<div class="normal" style="float:right">
			&nbsp;
			#<a href="showpost.php?p={post_id}&amp;postcount={number}" target="new" \
rel="nofollow" id="postcount{post_id}" name="{number}"><strong>{number}</strong></a> &nbsp;
		</div>
		<div class="normal">
			<!-- status icon and date -->
			<a name="post{post_id}"><img class="inlineimg" src="images/statusicon/post_old.gif" \
alt="Old" border="0" /></a>
			{date}
			<!-- / status icon and date -->
		</div>
	</td>
</tr>
<tr>
	<td class="alt2" style="padding:0px">
		<!-- user info -->
		<table cellpadding="0" cellspacing="6" border="0" width="100%">
		<tr>
			<td nowrap="nowrap">
				<div id="postmenu_{post_id}">
					<a class="bigusername" href="member.php?u={user_id}">{username}</a>
					<img class="inlineimg" src="images/statusicon/user_offline.gif" \
alt="{username} is offline" border="0" />
					<script type="text/javascript"> vbmenu_register("postmenu_{post_id}", true); \
</script>
				</div>
				<div class="smallfont">{user_title}</div>
			</td>
			<td width="100%">&nbsp;</td>
			<td valign="top" nowrap="nowrap">
				<div class="smallfont">
					<div>Join Date: {joined}</div>
					<div>Location: {location}</div>
					<div>
						Posts: {post_count}
					</div>
					<div>    </div>
				</div>
			</td>
		</tr>
		</table>
		<!-- / user info -->
	</td>
</tr>
<tr>
	<td class="alt1" id="td_post_{post_id}">
	<!-- message, attachments, sig -->
		{title_line}
		<!-- message -->
		<div id="post_message_{post_id}">{message}</div>
		<!-- / message -->
		<!-- sig -->
		<div>
			__________________<br />
			{signature}
		</div>
		<!-- / sig -->
		<div style="margin-top: 10px" align="right">
			<!-- controls -->
			<a href="newreply.php?do=newreply&amp;p={post_id}" rel="nofollow"><img \
src="images/buttons/quote.gif" alt="Reply With Quote" border="0" /></a>
			<!-- / controls -->
		</div>
	<!-- message, attachments, sig -->
	</td>
</tr>
</table>
	</div>
		</div>
	</div>
</div>
<!-- / post #{post_id} -->
"""

TITLE_LINE = """\
<div class="smallfont">
			<img class="inlineimg" src="images/icons/icon1.gif" alt="Default" border="0" />
			<strong>{title}</strong>
		</div>
		<hr size="1" style="color:#D1D1E1; background-color:#D1D1E1" />"""

PAGE_FOOT = """\
<div id="lastpost"></div></div>
<br />
<div class="smallfont" align="center">All times are GMT -5. The time now is \
<span class="time">11:32 PM</span>.</div>
<br />
<div align="center">
	<div class="smallfont" align="center">
	Powered by vBulletin&reg; Version 3.6.8<br />Copyright &copy;2000 - 2007, Jelsoft \
Enterprises Ltd.
	</div>
</div>
</body>
</html>
"""

WAYBACK_HEAD = """\
<script src="//archive.org/includes/athena.js" type="text/javascript"></script>
<script type="text/javascript">window.addEventListener('DOMContentLoaded',function(){{\
var v=archive_analytics.values;v.service='wb';}});</script>
<script type="text/javascript">
  __wm.init("https://web.archive.org/web");
  __wm.wombat("http://forum.example.com/showthread.php?t={thread_id}&page={page}",\
"{timestamp}","https://web.archive.org/","web","/_static/",
        "1196219633");
</script>
<!-- End Wayback Rewrite JS Include -->
"""

WAYBACK_TOOLBAR = """\
<!-- BEGIN WAYBACK TOOLBAR INSERT -->
<div id="wm-ipp-base" lang="en" style="display:none;direction:ltr;">
<div id="wm-ipp" style="position:fixed;left:0;top:0;right:0;">
<div id="wm-capinfo">Captured {captures} times</div>
<a href="/web/{timestamp}*/http://forum.example.com/showthread.php?t={thread_id}">\
{captures} captures</a>
</div></div>
<!-- END WAYBACK TOOLBAR INSERT -->
"""

WAYBACK_FOOT = """\
<!--
     FILE ARCHIVED ON {archived_on} AND RETRIEVED FROM THE
     INTERNET ARCHIVE ON 03:12:52 Nov 30, 2026.
     JAVASCRIPT APPENDED BY WAYBACK MACHINE, COPYRIGHT INTERNET ARCHIVE.
-->
"""


def page_links(thread_id: int, page: int, pages: int) -> str:
    cells = []
    for number in range(1, pages + 1):
        if number == page:
            cells.append(
                f'<td class="alt2"><span class="smallfont"><strong>{number}</strong></span></td>'
            )
        else:
            cells.append(
                f'<td class="alt1"><a class="smallfont" '
                f'href="showthread.php?t={thread_id}&amp;page={number}">{number}</a></td>'
            )
    return "\n\t".join(cells)


def showthread_page(
    *,
    thread_id: int,
    title: str,
    page: int,
    pages: int,
    posts: list[dict],
    wayback: datetime | None = None,
) -> str:
    """One showthread page; each post a dict of POSTBIT's fields (message already HTML)."""
    head = PAGE_HEAD.format(
        title=html.escape(title),
        page_title=f" - Page {page}" if page > 1 else "",
        thread_id=thread_id,
        page=page,
        pages=pages,
        page_links=page_links(thread_id, page, pages),
    )
    body = "".join(
        POSTBIT.format(
            **{
                **post,
                "title_line": TITLE_LINE.format(title=html.escape(post["title"]))
                if post.get("title")
                else "",
            }
        )
        for post in posts
    )
    text = head + body + PAGE_FOOT
    if wayback:
        stamp = f"{wayback:%Y%m%d%H%M%S}"
        text = text.replace(
            "<head>\n",
            "<head>\n" + WAYBACK_HEAD.format(thread_id=thread_id, page=page, timestamp=stamp),
        )
        text = text.replace(
            "<body>\n",
            "<body>\n" + WAYBACK_TOOLBAR.format(timestamp=stamp, thread_id=thread_id, captures=3),
        )
        for attribute in ('href="', 'src="'):
            for local in ("showthread", "showpost", "newreply", "member", "index", "forumdisplay"):
                text = text.replace(
                    f"{attribute}{local}.php",
                    f"{attribute}/web/{stamp}/http://forum.example.com/{local}.php",
                )
            text = text.replace(
                f"{attribute}images/",
                f"{attribute}https://web.archive.org/web/{stamp}im_/http://forum.example.com/images/",
            )
        text += WAYBACK_FOOT.format(archived_on=f"{wayback:%H:%M:%S %b %d, %Y}")
    return text


SMILIES = ["smile", "biggrin", "wink", "frown", "tongue", "rolleyes", "cool", "eek", "mad"]


def message(rng: random.Random, quote: tuple[str, int] | None) -> str:
    paragraphs = []
    for _ in range(rng.randint(1, 4)):
        words = rng.choices(WORDS, k=rng.randint(10, 60))
        text = html.escape(" ".join(words))
        if rng.random() < 0.2:
            text += (
                f' <img src="images/smilies/{rng.choice(SMILIES)}.gif" border="0" alt="" '
                'title="Smilie" class="inlineimg" />'
            )
        if rng.random() < 0.1:
            text = f"<b>{text}</b>"
        if rng.random() < 0.05:
            text += (
                ' <a href="http://www.example.com/training/program.html" target="_blank">'
                "this program</a>"
            )
        paragraphs.append(text)
    body = "<br />\n<br />\n".join(paragraphs)
    if quote:
        name, post_id = quote
        body = (
            '<div style="margin:20px; margin-top:5px; ">\n'
            '\t<div class="smallfont" style="margin-bottom:2px">Quote:</div>\n'
            '\t<table cellpadding="6" cellspacing="0" border="0" width="100%">\n\t<tr>\n'
            '\t\t<td class="alt2" style="border:1px inset">\n\t\t\t\n\t\t\t\t<div>\n'
            f"\t\t\t\t\tOriginally Posted by <strong>{name}</strong>\n"
            f'\t\t\t\t\t<a href="showthread.php?p={post_id}#post{post_id}" rel="nofollow">'
            '<img class="inlineimg" src="images/buttons/viewpost.gif" border="0" '
            'alt="View Post" /></a>\n\t\t\t\t</div>\n'
            f'\t\t\t\t<div style="font-style:italic">{html.escape(" ".join(WORDS[:12]))}</div>'
            "\n\t\t\t\n\t\t</td>\n\t</tr>\n\t</table>\n</div>" + body
        )
    return body


def write_pages(folder: Path, posts: int, per_page: int, per_thread: int, rng: random.Random):
    names = [f"lifter{n}" if n % 5 else f"Gym Rat {n}" for n in range(500)]
    post_id = 100_000
    files = []
    for thread_number in range(posts // per_thread):
        thread_id = 5000 + thread_number
        title = f"Thread {thread_number}: {' '.join(rng.choices(WORDS, k=6))}"[:80]
        at = datetime(2007, 1, 1) + timedelta(days=thread_number)
        thread_posts = []
        for number in range(1, per_thread + 1):
            post_id += 1
            at += timedelta(minutes=rng.randint(1, 90))
            author = rng.randrange(len(names))
            quoted = rng.choice(thread_posts) if thread_posts and rng.random() < 0.1 else None
            thread_posts.append(
                {
                    "post_id": post_id,
                    "number": number,
                    "date": f"{at:%m-%d-%Y, %I:%M %p}",
                    "user_id": author + 1,
                    "username": names[author],
                    "user_title": rng.choice(["Junior Member", "Member", "Iron addict"]),
                    "joined": f"{datetime(2004, 1 + author % 12, 1):%b %Y}",
                    "location": "Ohio",
                    "post_count": f"{rng.randint(1, 3000):,}",
                    "title": title if number == 1 else "",
                    "message": message(
                        rng, (quoted["username"], quoted["post_id"]) if quoted else None
                    ),
                    "signature": "Squat <b>deep</b>, eat big.",
                }
            )
        pages = (per_thread + per_page - 1) // per_page
        for page in range(1, pages + 1):
            text = showthread_page(
                thread_id=thread_id,
                title=title,
                page=page,
                pages=pages,
                posts=thread_posts[(page - 1) * per_page : page * per_page],
                wayback=at + timedelta(days=30) if page % 5 == 0 else None,
            )
            files.append((f"showthread.php@t={thread_id}&page={page}.html", text))
    rng.shuffle(files)
    for name, text in files:
        (folder / name).write_text(text, encoding="windows-1252", errors="xmlcharrefreplace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--per-page", type=int, default=10)
    parser.add_argument("--posts-per-thread", type=int, default=100)
    args = parser.parse_args()

    scratch_import_board(DATABASE_URL)
    from django.core.management import call_command

    from forum.actions import recount
    from forum.models import Post

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        write_pages(
            Path(folder), args.posts, args.per_page, args.posts_per_thread, random.Random(2007)
        )
        paths = list(Path(folder).iterdir())
        size = sum(path.stat().st_size for path in paths)
        print(
            f"Wrote {len(paths)} pages, {size / 1e6:.1f} MB, "
            f"in {time.perf_counter() - started:.1f}s"
        )
        with open(os.devnull, "w") as quiet:
            started, cpu = time.perf_counter(), time.process_time()
            call_command("import_archive", folder, "--forum", "old-board", stdout=quiet)
            took, cpu = time.perf_counter() - started, time.process_time() - cpu
            imported = Post.objects.count()
            print(
                f"Imported {imported:,} posts in {took:.1f}s: {imported / took:,.0f} posts/s "
                f"({cpu:.1f}s of CPU in this process; load average {os.getloadavg()[0]:.1f})"
            )

            started, cpu = time.perf_counter(), time.process_time()
            call_command("import_archive", folder, "--forum", "old-board", stdout=quiet)
            print(
                f"Imported again (nothing new) in {time.perf_counter() - started:.1f}s "
                f"({time.process_time() - cpu:.1f}s of CPU: reading the pages, mostly)"
            )

    expected = args.posts // args.posts_per_thread * args.posts_per_thread
    assert imported == expected, (imported, expected)
    assert Post.objects.filter(legacy_id__isnull=False).count() == imported
    changed = recount()
    print(f"recount after the imports: {changed}")
    assert changed == {"threads": 0, "forums": 0, "members": 0}, "counters drifted"


if __name__ == "__main__":
    main()
