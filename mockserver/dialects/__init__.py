"""The API dialects mockserver speaks, as an explicit list: adding one is adding a module here."""

from mockserver.dialects import anthropic_messages, openai_chat, openai_responses
from mockserver.dialects.base import Dialect

DIALECTS: tuple[Dialect, ...] = (openai_chat.DIALECT, anthropic_messages.DIALECT, openai_responses.DIALECT)

__all__ = ["DIALECTS", "Dialect"]
