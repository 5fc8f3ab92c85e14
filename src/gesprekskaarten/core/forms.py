def posted(request):
    """The form data of a POST, or None for a GET.

    Not `request.POST or None`: an empty POST is falsy, which would leave the form unbound
    and silently skip its validation and error messages.
    """
    return request.POST if request.method == "POST" else None
