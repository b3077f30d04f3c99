"""When and how work leaves the device: the APScheduler agent, connectivity, outbox, WebSub."""
