from huifang.core import navigation as nav


def navigation(request):
    return {"nav_menu": nav.for_user(request.user, request.path)}
