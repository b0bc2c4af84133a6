"""Authentication and "who am I" endpoints."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.api import ApiError


class AuthTokenObtainApi(APIView):
    """Exchange email + password for an API token (``Authorization: Token …``)."""

    permission_classes = (AllowAny,)
    authentication_classes = ()

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        role = serializers.CharField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].strip().lower()
        user = authenticate(request, email=email, password=data.validated_data["password"])
        if user is None:
            raise ApiError("invalid_credentials", "Email or password is wrong.", status.HTTP_400_BAD_REQUEST)
        if not EmailAddress.objects.filter(user=user, verified=True).exists():
            raise ApiError(
                "email_unverified",
                "Confirm your email address first: follow the link we emailed you.",
                status.HTTP_403_FORBIDDEN,
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response(self.OutputSerializer({"token": token.key, "role": user.role}).data)


class MeApi(APIView):
    permission_classes = (IsAuthenticated,)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        role = serializers.CharField()
        qualification = serializers.CharField(allow_null=True)
        hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
        is_active = serializers.BooleanField()

    @extend_schema(responses={200: OutputSerializer})
    def get(self, request: Request) -> Response:
        user = request.user
        profile = getattr(user, "contractor_profile", None)
        payload = {
            "id": user.pk,
            "email": user.email,
            "role": user.role,
            "qualification": profile.qualification if profile else None,
            "hourly_rate": profile.hourly_rate if profile else None,
            "is_active": profile.is_active if profile else user.is_active,
        }
        return Response(self.OutputSerializer(payload).data)
