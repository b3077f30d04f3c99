"""When and how work leaves the device: the APScheduler agent, the connectivity probe, the outbox
deliveries and WebSub confirmations. No Qt; imports only `app`."""
