from django.urls import path

from configurator import views

app_name = "configurator"

urlpatterns = [
    path("", views.home, name="home"),
]
