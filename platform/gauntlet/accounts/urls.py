from django.urls import path

from gauntlet.accounts.apis import AuthTokenObtainApi, ContractorListApi, ContractorUpdateApi, MeApi

urlpatterns = [
    path("auth/token/", AuthTokenObtainApi.as_view(), name="auth-token"),
    path("me/", MeApi.as_view(), name="me"),
    path("contractors/", ContractorListApi.as_view(), name="contractor-list"),
    path("contractors/<int:user_id>/", ContractorUpdateApi.as_view(), name="contractor-update"),
]
