"""Chat conversations and their messages (`ai_chat_conversations`, `ai_chat_messages`).

A conversation belongs to one Pulse user: every read takes the user id, and a conversation of
another user is indistinguishable from one that does not exist (the API answers 404 to both).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Engine, Table, func, insert, select, update

from angel_intelligence.db.models import AiChatConversation, AiChatMessage
from angel_intelligence.domain.insights import ChatTurn

C = cast(Table, AiChatConversation.__table__)
M = cast(Table, AiChatMessage.__table__)
TITLE_MAX_CHARS = 255


@dataclass(frozen=True, slots=True)
class NewMessage:
    role: str
    content: str
    metadata: dict[str, Any] | None = None


class ChatRepository:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def owns(self, conversation_id: int, user_id: int) -> bool:
        """Whether the conversation exists and is `user_id`'s."""
        query = select(C.c.id).where(C.c.id == conversation_id, C.c.user_id == user_id)
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def history(self, conversation_id: int, *, limit: int = 50) -> list[ChatTurn]:
        """The last `limit` user and assistant messages, oldest first."""
        query = (
            select(M.c.role, M.c.content)
            .where(M.c.ai_chat_conversation_id == conversation_id, M.c.role != "system")
            .order_by(M.c.id.desc())
            .limit(limit)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [ChatTurn(str(role), str(content)) for role, content in reversed(rows)]

    def save_exchange(
        self,
        conversation_id: int | None,
        messages: list[NewMessage],
        *,
        user_id: int,
        feature: str,
        filters: dict[str, Any],
        title: str,
    ) -> int:
        """Append `messages` to the conversation (a new one, titled `title`, when
        `conversation_id` is None) in one transaction; returns the conversation's id."""
        with self._engine.begin() as conn:
            if conversation_id is None:
                result = conn.execute(
                    insert(C).values(
                        user_id=user_id,
                        feature=feature,
                        filters=filters,
                        title=title[:TITLE_MAX_CHARS],
                    )
                )
                conversation_id = int(result.inserted_primary_key[0])  # type: ignore[index]
            else:
                conn.execute(
                    update(C).where(C.c.id == conversation_id).values(updated_at=func.now())
                )
            conn.execute(
                insert(M),
                [
                    {
                        "ai_chat_conversation_id": conversation_id,
                        "role": m.role,
                        "content": m.content,
                        "metadata": m.metadata,
                    }
                    for m in messages
                ],
            )
        return conversation_id

    def messages(self, conversation_id: int) -> list[dict[str, Any]]:
        """Every message of a conversation with its metadata, oldest first."""
        query = (
            select(M.c.id, M.c.role, M.c.content, M.c.metadata, M.c.created_at)
            .where(M.c.ai_chat_conversation_id == conversation_id)
            .order_by(M.c.id)
        )
        with self._engine.connect() as conn:
            return [
                {
                    "id": row.id,
                    "role": row.role,
                    "content": row.content,
                    "metadata": row.metadata,
                    "created_at": _iso(row.created_at),
                }
                for row in conn.execute(query)
            ]


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="seconds")
