"""The live path: an ordered event log per channel, brokers and the Server-Sent Events stream.

Other apps use `gesprekskaarten.live.services` (publish, stream_url, stream_token, last_seq).
See docs/live.md.
"""
