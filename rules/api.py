"""The rules API: risk categories (read-only), rule sets, versions and their lifecycle."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api import paginated_response
from config.errors import Invalid

from . import selectors, services
from .content import RISK_RULE_FIELDS, publication_gaps, risk_coverage
from .models import AQL_VALUES, InspectionLevel, RuleSet, RuleVersion, SamplingScheme
from .permissions import ManagesRulesToWrite


class UnknownFields(Invalid):
    code = "unknown_fields"


def _refuse_unknown_fields(data, serializer: serializers.Serializer) -> None:
    unknown = sorted(set(data) - set(serializer.fields))
    if unknown:
        raise UnknownFields(f"Unknown or read-only fields: {', '.join(unknown)}.",
                            detail={name: ["Not an accepted field."] for name in unknown})


# --- risk categories ------------------------------------------------------------------------


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
        return paginated_response(self, request, selectors.risk_category_list(),
                          RiskCategoryOutputSerializer)


class RiskCategoryDetailApi(APIView):
    @extend_schema(responses=RiskCategoryOutputSerializer, summary="One risk category by code")
    def get(self, request: Request, code: str) -> Response:
        category = selectors.risk_category_get(code=code)
        return Response(RiskCategoryOutputSerializer(category).data)


# --- rule sets ------------------------------------------------------------------------------


class VersionSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    status = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)


class RuleSetOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    domain = serializers.CharField()
    description = serializers.CharField()
    owner = serializers.CharField(source="owner.username")
    created_at = serializers.DateTimeField()
    versions = VersionSummarySerializer(many=True, source="versions.all")


class RuleSetListApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    class RuleSetCreateInputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=RuleSet.Kind.choices)
        domain = serializers.CharField(max_length=200)
        description = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(responses=RuleSetOutputSerializer(many=True), summary="Rule sets you may see")
    def get(self, request: Request) -> Response:
        return paginated_response(self, request,
                                  selectors.rule_set_list_for_actor(actor=request.user),
                                  RuleSetOutputSerializer)

    @extend_schema(request=RuleSetCreateInputSerializer,
                   responses={201: RuleSetOutputSerializer},
                   summary="Create a rule set with an empty draft as version 1")
    def post(self, request: Request) -> Response:
        serializer = self.RuleSetCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rule_set = services.rule_set_create(actor=request.user, **serializer.validated_data)
        rule_set = selectors.rule_set_get_for_actor(actor=request.user, rule_set_id=rule_set.pk)
        return Response(RuleSetOutputSerializer(rule_set).data, status=status.HTTP_201_CREATED)


class RuleSetDetailApi(APIView):
    @extend_schema(responses=RuleSetOutputSerializer, summary="One rule set")
    def get(self, request: Request, rule_set_id: int) -> Response:
        rule_set = selectors.rule_set_get_for_actor(actor=request.user, rule_set_id=rule_set_id)
        return Response(RuleSetOutputSerializer(rule_set).data)


# --- versions -------------------------------------------------------------------------------


class RiskRuleOutputSerializer(serializers.Serializer):
    code = serializers.CharField(source="category.code")
    definition = serializers.CharField()
    decision_criteria = serializers.CharField()
    positive_examples = serializers.CharField()
    counter_examples = serializers.CharField()
    review_criteria = serializers.CharField()


def _bounds(name: str) -> list:
    """The model field's validators, so that the API refuses what the editor page refuses."""
    return RuleVersion._meta.get_field(name).validators


class RuleVersionFieldsSerializer(serializers.Serializer):
    """The editable content of a version; every field optional on input."""

    changelog = serializers.CharField(required=False, allow_blank=True)
    objectives = serializers.CharField(required=False, allow_blank=True)
    data_formats = serializers.CharField(required=False, allow_blank=True)
    annotation_method = serializers.CharField(required=False, allow_blank=True)
    annotation_guidance = serializers.CharField(required=False, allow_blank=True)
    review_guidance = serializers.CharField(required=False, allow_blank=True)
    quality_notes = serializers.CharField(required=False, allow_blank=True)
    target_accuracy = serializers.DecimalField(max_digits=4, decimal_places=3, required=False,
                                               allow_null=True,
                                               validators=_bounds("target_accuracy"))
    sampling_scheme = serializers.ChoiceField(choices=SamplingScheme.choices, required=False)
    aql = serializers.ChoiceField(choices=[(v, v) for v in AQL_VALUES], required=False,
                                  allow_blank=True)
    inspection_level = serializers.ChoiceField(choices=InspectionLevel.choices, required=False)
    tightened_switching = serializers.BooleanField(required=False)
    sample_rate = serializers.DecimalField(max_digits=4, decimal_places=3, required=False,
                                           allow_null=True, validators=_bounds("sample_rate"))
    sample_minimum = serializers.IntegerField(required=False, allow_null=True,
                                              validators=_bounds("sample_minimum"))
    expected_seconds_per_item = serializers.IntegerField(
        required=False, allow_null=True, validators=_bounds("expected_seconds_per_item"))
    minimum_seconds_per_item = serializers.IntegerField(
        required=False, allow_null=True, validators=_bounds("minimum_seconds_per_item"))
    required_approvals = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    guidance_authenticity = serializers.CharField(required=False, allow_blank=True)
    guidance_accuracy = serializers.CharField(required=False, allow_blank=True)
    guidance_objectivity = serializers.CharField(required=False, allow_blank=True)
    guidance_diversity = serializers.CharField(required=False, allow_blank=True)
    label_spec = serializers.JSONField(required=False)


class RuleVersionOutputSerializer(RuleVersionFieldsSerializer):
    id = serializers.IntegerField()
    rule_set = serializers.IntegerField(source="rule_set_id")
    rule_set_name = serializers.CharField(source="rule_set.name")
    kind = serializers.CharField(source="rule_set.kind")
    number = serializers.IntegerField()
    status = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    published_by = serializers.CharField(source="published_by.username", allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    risk_rules = RiskRuleOutputSerializer(many=True, source="risk_rules.all")
    coverage = serializers.SerializerMethodField()
    gaps = serializers.SerializerMethodField()

    def get_coverage(self, version) -> dict | None:
        if not version.is_safety:
            return None
        covered, missing = risk_coverage(version)
        return {"covered": len(covered), "of": len(covered) + len(missing),
                "missing": [category.code for category in missing]}

    def get_gaps(self, version) -> list[str]:
        return publication_gaps(version) if version.status == "draft" else []


def _version_response(request: Request, version_id: int, status_code: int = 200) -> Response:
    version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
    return Response(RuleVersionOutputSerializer(version).data, status=status_code)


class RuleSetVersionListApi(APIView):
    @extend_schema(responses=VersionSummarySerializer(many=True),
                   summary="Versions of a rule set you may see, newest first")
    def get(self, request: Request, rule_set_id: int) -> Response:
        versions = selectors.rule_version_list_for_actor(actor=request.user,
                                                         rule_set_id=rule_set_id)
        return paginated_response(self, request, versions, VersionSummarySerializer)


class RuleVersionDetailApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    @extend_schema(responses=RuleVersionOutputSerializer, summary="One rule version, whole")
    def get(self, request: Request, version_id: int) -> Response:
        return _version_response(request, version_id)

    @extend_schema(request=RuleVersionFieldsSerializer, responses=RuleVersionOutputSerializer,
                   summary="Edit a draft (409 for a published or retired version)")
    def patch(self, request: Request, version_id: int) -> Response:
        selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        serializer = RuleVersionFieldsSerializer(data=request.data, partial=True)
        _refuse_unknown_fields(request.data, serializer)
        serializer.is_valid(raise_exception=True)
        services.rule_version_update(actor=request.user, version_id=version_id,
                                     changes=dict(serializer.validated_data))
        return _version_response(request, version_id)


class RiskRuleApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    class RiskRuleInputSerializer(serializers.Serializer):
        definition = serializers.CharField(required=False, allow_blank=True)
        decision_criteria = serializers.CharField(required=False, allow_blank=True)
        positive_examples = serializers.CharField(required=False, allow_blank=True)
        counter_examples = serializers.CharField(required=False, allow_blank=True)
        review_criteria = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(request=RiskRuleInputSerializer, responses=RiskRuleOutputSerializer,
                   summary="Write the rule for one risk category in a safety draft")
    def put(self, request: Request, version_id: int, code: str) -> Response:
        selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        serializer = self.RiskRuleInputSerializer(data=request.data)
        _refuse_unknown_fields(request.data, serializer)
        serializer.is_valid(raise_exception=True)
        texts = {name: serializer.validated_data.get(name, "") for name in RISK_RULE_FIELDS}
        rule = services.risk_rule_save(actor=request.user, version_id=version_id,
                                       category_code=code, texts=texts)
        return Response(RiskRuleOutputSerializer(rule).data)


class RuleVersionPublishApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    @extend_schema(request=None, responses=RuleVersionOutputSerializer,
                   summary="Publish a complete draft (409 listing every gap otherwise)")
    def post(self, request: Request, version_id: int) -> Response:
        selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        services.rule_version_publish(actor=request.user, version_id=version_id)
        return _version_response(request, version_id)


class RuleVersionRetireApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    class RetireInputSerializer(serializers.Serializer):
        reason = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(request=RetireInputSerializer, responses=RuleVersionOutputSerializer,
                   summary="Retire a published version")
    def post(self, request: Request, version_id: int) -> Response:
        selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        serializer = self.RetireInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.rule_version_retire(actor=request.user, version_id=version_id,
                                     reason=serializer.validated_data["reason"])
        return _version_response(request, version_id)


class RuleVersionNewDraftApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    @extend_schema(request=None, responses={201: RuleVersionOutputSerializer},
                   summary="Start the next draft as a full copy of this version")
    def post(self, request: Request, version_id: int) -> Response:
        selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        draft = services.rule_version_new_draft(actor=request.user, source_version_id=version_id)
        return _version_response(request, draft.pk, status.HTTP_201_CREATED)


class AcknowledgementOutputSerializer(serializers.Serializer):
    version = serializers.IntegerField(source="version_id")
    user = serializers.CharField(source="user.username")
    acknowledged_at = serializers.DateTimeField()


class RuleVersionAcknowledgeApi(APIView):
    @extend_schema(request=None, responses=AcknowledgementOutputSerializer,
                   summary="Acknowledge that you read a published version")
    def post(self, request: Request, version_id: int) -> Response:
        selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        acknowledgement = services.rule_version_acknowledge(actor=request.user,
                                                            version_id=version_id)
        return Response(AcknowledgementOutputSerializer(acknowledgement).data)


class RuleVersionDiffApi(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("against", int, required=True,
                                     description="The id of the version to compare with")],
        responses=inline_serializer("RuleVersionDiff", {
            "changed_sections": serializers.ListField(child=serializers.CharField()),
            "changed_risk_rules": serializers.ListField(child=serializers.CharField()),
            "sections": serializers.ListField(child=serializers.DictField()),
            "risk_rules": serializers.ListField(child=serializers.DictField()),
        }),
        summary="What changed from the version `against` to this one")
    def get(self, request: Request, version_id: int) -> Response:
        after = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        against = request.query_params.get("against", "")
        if not against.isdigit():
            raise selectors.RuleVersionsNotComparable(
                "Give ?against= the id of the version to compare with.",
                detail={"against": ["A version id is required."]})
        before = selectors.rule_version_get_for_actor(actor=request.user,
                                                      version_id=int(against))
        return Response(selectors.rule_version_diff(before=before, after=after))


class RuleVersionExportApi(APIView):
    @extend_schema(responses=inline_serializer("RuleVersionExport", {
        "format": serializers.CharField(), "format_version": serializers.IntegerField(),
        "rule_set": serializers.DictField(), "version": serializers.DictField(),
        "risk_rules": serializers.ListField(child=serializers.DictField())}),
        summary="The version as a portable JSON document")
    def get(self, request: Request, version_id: int) -> Response:
        version = selectors.rule_version_get_for_actor(actor=request.user, version_id=version_id)
        response = Response(selectors.rule_version_export(version=version))
        response["Content-Disposition"] = (
            f'attachment; filename="rule-version-{version.rule_set_id}-v{version.number}.json"')
        return response


class RuleVersionImportApi(APIView):
    permission_classes = [ManagesRulesToWrite]

    @extend_schema(request=inline_serializer("RuleVersionImport", {
        "format": serializers.CharField()}), responses={201: RuleVersionOutputSerializer},
        summary="Import an exported version as a new draft")
    def post(self, request: Request) -> Response:
        draft = services.rule_version_import(actor=request.user, document=request.data)
        return _version_response(request, draft.pk, status.HTTP_201_CREATED)
