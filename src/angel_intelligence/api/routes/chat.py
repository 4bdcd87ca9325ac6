"""`POST /api/chat`: Pulse's AI assistant, answered from the data (docs/chat.md)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self

from fastapi import APIRouter, Header
from pydantic import BaseModel, ConfigDict, Field, model_validator

from angel_intelligence.api.deps import ServicesDep
from angel_intelligence.api.errors import ApiError, ErrorResponse
from angel_intelligence.domain.insights import CallFilters, ChatTurn, Feature
from angel_intelligence.errors import (
    ChatModelFailedError,
    ChatModelUnavailableError,
    ConversationNotFoundError,
)
from angel_intelligence.services.chat import ChatRequest, default_period

router = APIRouter(prefix="/api", tags=["chat"])

MESSAGE_MAX_CHARS = 2000
HISTORY_MAX_MESSAGES = 50
MAX_ID = 2**63 - 1  # BIGINT UNSIGNED holds more; SQLite's INTEGER and Pulse's ids hold this
USER_HEADER = "X-Pulse-User-Id"
# Calls are dated within these; the period before a period must still be a date.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ChatFilters(_Strict):
    client_ref: str | None = Field(default=None, max_length=255)
    campaign: str | None = Field(default=None, max_length=255)
    agent_id: int | None = Field(default=None, ge=0, le=MAX_ID, description="The halo id")
    start_date: dt.date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="First day, inclusive"
    )
    end_date: dt.date | None = Field(
        default=None, ge=FIRST_DAY, le=LAST_DAY, description="Last day, inclusive"
    )

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValueError("end_date is before start_date")
        return self


class HistoryMessage(_Strict):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=20_000)


class ChatBody(_Strict):
    message: str = Field(min_length=1, max_length=MESSAGE_MAX_CHARS, pattern=r"\S")
    conversation_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    feature: Feature = Feature.CALL_QUALITY
    filters: ChatFilters = Field(default_factory=ChatFilters)
    history: list[HistoryMessage] | None = Field(default=None, max_length=HISTORY_MAX_MESSAGES)
    user_id: int | None = Field(
        default=None, ge=0, le=MAX_ID, description=f"The Pulse user; or the {USER_HEADER} header"
    )


class ChatPublic(BaseModel):
    success: bool = True
    response: str
    conversation_id: int
    metadata: dict[str, Any]


_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No such conversation for this user"},
    503: {"model": ErrorResponse, "description": "The chat model is not available"},
}


def user_of(body_user: int | None, header_user: str | None) -> int:
    """The Pulse user asking: the body's `user_id` or the header (they must agree)."""
    from_header: int | None = None
    if header_user is not None:
        if not header_user.isascii() or not header_user.isdigit() or int(header_user) > MAX_ID:
            raise ApiError(422, "VALIDATION_ERROR", f"{USER_HEADER} must be a user id")
        from_header = int(header_user)
    if body_user is not None and from_header is not None and body_user != from_header:
        raise ApiError(422, "VALIDATION_ERROR", f"user_id and {USER_HEADER} name different users")
    user = body_user if body_user is not None else from_header
    if user is None:
        raise ApiError(
            422, "VALIDATION_ERROR", f"user_id: give the Pulse user as user_id or {USER_HEADER}"
        )
    return user


@router.post("/chat", response_model=ChatPublic, responses=_ERRORS)
def post_chat(
    body: ChatBody,
    services: ServicesDep,
    x_pulse_user_id: Annotated[str | None, Header(max_length=20)] = None,
) -> dict[str, Any]:
    """Answer a question about the calls from the database's figures."""
    service = services.chat
    f = body.filters
    history = (
        None if body.history is None else tuple(ChatTurn(m.role, m.content) for m in body.history)
    )
    request = ChatRequest(
        message=body.message,
        feature=body.feature,
        filters=CallFilters(f.client_ref, f.campaign, f.agent_id),
        period=default_period(f.start_date, f.end_date, service.today()),
        user_id=user_of(body.user_id, x_pulse_user_id),
        conversation_id=body.conversation_id,
        history=history,
    )
    try:
        answer = service.answer(request)
    except ConversationNotFoundError as error:
        raise ApiError(404, error.code, error.message) from None
    except (ChatModelUnavailableError, ChatModelFailedError) as error:
        raise ApiError(503, error.code, error.message) from None
    return {
        "success": True,
        "response": answer.response,
        "conversation_id": answer.conversation_id,
        "metadata": answer.metadata,
    }
