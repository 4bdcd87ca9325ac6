"""What routes get from the application: its services, as an `Annotated` dependency alias."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from angel_intelligence.services.api_services import ApiServices


def get_services(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


ServicesDep = Annotated[ApiServices, Depends(get_services)]
