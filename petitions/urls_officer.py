from django.urls import path

from . import views_officer

app_name = "officer"

urlpatterns = [
    path("", views_officer.workspace, name="workspace"),
]
