"""Messaging events; the notifications area listens."""

from blinker import Namespace

messaging_signals = Namespace()

#: sent with ``message`` (Message), ``author`` and ``recipient`` (Users) when a message is stored.
message_sent = messaging_signals.signal("message-sent")
#: sent with ``reader`` (User) and ``conversation`` (Conversation) when a player opens a conversation.
conversation_read = messaging_signals.signal("conversation-read")
