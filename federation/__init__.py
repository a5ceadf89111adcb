"""The ActivityPub layer (a later issue): actors, HTTP signatures, inbox, outbox, delivery queue.

It will subscribe to the content events of `wiki.events` and map pages to ActivityStreams here;
`wiki/` never imports this package.
"""
