from django.urls import path

from . import views

app_name = "sharing"

urlpatterns = [
    path("sharing/jwks.json", views.jwks, name="jwks"),
]
