"""The channel-agnostic conversation: an inbound event for a chat in, replies out."""
