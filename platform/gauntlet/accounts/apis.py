"""Authentication and "who am I" endpoints."""

from __future__ import annotations

from decimal import Decimal

from allauth.account.models import EmailAddress
from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from gauntlet.accounts.models import ContractorProfile, Qualification, User
from gauntlet.accounts.permissions import IsManager
from gauntlet.accounts.services import contractor_update
from gauntlet.api import ApiError, Pagination


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
        assert isinstance(user, User)  # noqa: S101 - IsAuthenticated ran first
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


class ContractorListApi(APIView):
    """Managers: every contractor with pay rate and standing."""

    permission_classes = (IsManager,)

    class OutputSerializer(serializers.Serializer):
        id = serializers.IntegerField(source="user.id")
        email = serializers.EmailField(source="user.email")
        qualification = serializers.CharField()
        hourly_rate = serializers.DecimalField(max_digits=8, decimal_places=2)
        currency = serializers.CharField()
        is_active = serializers.BooleanField()

    @extend_schema(responses={200: OutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        profiles = ContractorProfile.objects.select_related("user").order_by("user__email")
        paginator = Pagination()
        page = paginator.paginate_queryset(profiles, request, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class ContractorUpdateApi(APIView):
    """Managers: change a contractor's pay rate, active flag or qualification."""

    permission_classes = (IsManager,)

    class InputSerializer(serializers.Serializer):
        hourly_rate = serializers.DecimalField(
            max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False
        )
        is_active = serializers.BooleanField(required=False)
        qualification = serializers.ChoiceField(choices=Qualification.choices, required=False)
        note = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={200: ContractorListApi.OutputSerializer})
    def patch(self, request: Request, user_id: int) -> Response:
        profile = get_object_or_404(ContractorProfile.objects.select_related("user"), user_id=user_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        actor = request.user if isinstance(request.user, User) else None
        profile = contractor_update(profile=profile, actor=actor, **data.validated_data)
        return Response(ContractorListApi.OutputSerializer(profile).data)
