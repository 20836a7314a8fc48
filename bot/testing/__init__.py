"""Stand-ins for the outside world, for the tests, the conversation scripts and the benchmark:
``telegram`` plays the Bot API without the network. Nothing here is used by the bot in service.
"""
