from django.urls import path

from gauntlet.accounts.apis import AuthTokenObtainApi, MeApi

urlpatterns = [
    path("auth/token/", AuthTokenObtainApi.as_view(), name="auth-token"),
    path("me/", MeApi.as_view(), name="me"),
]
