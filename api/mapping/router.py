"""HTTP routes of the mapping actions: suggest a table's mapping, measure a value map."""

from __future__ import annotations

from fastapi import APIRouter

from api.base.dependencies import CtxDep
from api.base.documents import DocumentIn, DocumentOut, error_responses
from api.base.resource import present
from api.mapping.schemas import CoverageOut, CoverageRequest, SuggestionRequest, SuggestionsOut
from services import mapping

router = APIRouter(prefix="/mapping", tags=["mapping"])


@router.post("/suggest", responses=error_responses(404, 422, 502, 503))
def suggest(body: DocumentIn[SuggestionRequest], ctx: CtxDep) -> DocumentOut[SuggestionsOut]:
    """Each source column's best target (or none) with a calibrated confidence, the reasons,
    and the transformers and validators it needs; the hospital's confirmed pairs first."""
    from services.mapping.suggest import suggest_mapping

    request = body.data.attributes
    found = suggest_mapping(
        ctx,
        source=request.source,
        target=request.target,
        run_id=request.run_id,
        semantic=request.semantic,
    )
    data = found.to_json()
    return present(SuggestionsOut, f"{found.source}→{found.target}", SuggestionsOut(**data))


@router.post("/coverage", responses=error_responses(404, 422, 502))
def coverage(body: DocumentIn[CoverageRequest], ctx: CtxDep) -> DocumentOut[CoverageOut]:
    """The share of source rows a VALUE_MAP covers and its unmapped values by frequency."""
    request = body.data.attributes
    result = mapping.value_map_coverage(
        ctx, request.config_id, request.column, run_id=request.run_id
    )
    return present(CoverageOut, f"{result.config}:{result.target}", CoverageOut(**result.to_json()))
