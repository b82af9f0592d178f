from django.shortcuts import get_object_or_404, render

from accounts.models import User
from forum.models import Post


def member_detail(request, pk):
    member = get_object_or_404(User.objects.filter(is_active=True), pk=pk)
    recent_posts = Post.objects.recent_by(member)[:10]
    return render(
        request,
        "accounts/member_detail.html",
        {"member": member, "recent_posts": list(recent_posts)},
    )
