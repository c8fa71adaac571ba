"""GET /v1/taxonomy and /v1/agencies: the reference data the intake systems show beside the codes."""

from __future__ import annotations

from fastapi import APIRouter

from qingfeng.directory import AgencyDirectory, Taxonomy, load_agencies, load_taxonomy
from serving.deps import DirectoryCaller, SettingsDep

router = APIRouter(prefix="/v1", tags=["目录"])


@router.get("/taxonomy", response_model=Taxonomy, summary="问题类别定义（六类）")
async def taxonomy(_caller: DirectoryCaller, settings: SettingsDep) -> Taxonomy:
    return load_taxonomy(settings.taxonomy_path)


@router.get("/agencies", response_model=AgencyDirectory, summary="政法单位目录（五个单位及其下属单位）")
async def agencies(_caller: DirectoryCaller, settings: SettingsDep) -> AgencyDirectory:
    return load_agencies(settings.agencies_path)
