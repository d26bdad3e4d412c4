"""(to be built)"""

from django.http import Http404


def _todo(request, *args, **kwargs):
    raise Http404


consent = privacy = my_data = my_data_export = my_data_erase = campaign_click = _todo
