"""accounts is the lower layer: forum, following, community and messaging may import it,
never the reverse (STYLE.md, "Apps depend one way")."""

import ast
from pathlib import Path

import accounts

HIGHER_APPS = {"forum", "following", "community", "messaging", "pictures"}


def imported_apps(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names & HIGHER_APPS


def test_the_accounts_admin_imports_no_higher_app():
    assert imported_apps(Path(accounts.__file__).parent / "admin.py") == set()


def test_the_member_admin_still_offers_the_forums_tools_and_posts_link(client, superuser, member):
    client.force_login(superuser)
    response = client.get("/admin/accounts/user/")
    actions = dict(response.context["action_form"].fields["action"].choices)
    assert {"ban", "unban", "recount_members", "erase", "turn_off_two_factor"} <= set(actions)
    assert f'/admin/forum/post/?author__id__exact={member.pk}"' in response.text


def test_a_ban_added_from_the_ban_admin_bans_the_member(client, superuser, member):
    client.force_login(superuser)
    client.post("/admin/accounts/ban/add/", {"member": member.pk, "reason": "Spam", "ends_at": ""})
    member.refresh_from_db()
    assert member.is_banned and member.ban_reason == "Spam"
