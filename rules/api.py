"""Read-only API of the risk categories."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import PageNumberPagination

from .selectors import risk_category_list


class RiskCategoryOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    group = serializers.CharField(source="group.code")
    group_title_en = serializers.CharField(source="group.title_en")
    group_title_zh = serializers.CharField(source="group.title_zh")
    name_en = serializers.CharField()
    name_zh = serializers.CharField()
    name_zh_from_standard = serializers.BooleanField()


class RiskCategoryListApi(APIView):
    @extend_schema(responses=RiskCategoryOutputSerializer(many=True),
                   summary="The 31 risk categories of Appendix A, in order")
    def get(self, request: Request) -> Response:
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(risk_category_list(), request, view=self)
        return paginator.get_paginated_response(RiskCategoryOutputSerializer(page, many=True).data)


class RiskCategoryDetailApi(APIView):
    @extend_schema(responses=RiskCategoryOutputSerializer, summary="One risk category by code")
    def get(self, request: Request, code: str) -> Response:
        category = get_object_or_404(risk_category_list(), code=code)
        return Response(RiskCategoryOutputSerializer(category).data)
