"""Inbox POSTs whose signer's key we do not have yet.

Fetching an unknown key is a signed GET to another server, often a new TLS connection, and
storing the actor: several milliseconds of CPU and a wait on someone else's server. The web
process does none of it. It checks what needs no key (see inbox_routes), keeps the request
with its parsed signature in `inbox_unverified` and answers 202; the job
`federation.verify_inbox_item`, run by the job workers (a deployment can run them in their
own processes: `commonhold web` and `commonhold worker`), fetches the key, verifies the kept
signature and hands the activity to the ordinary inbox storage and processing, or drops it.

What each side costs, in statements: the POST one (service.defer: the sender's policy
state and the key looked up, the POST kept and its job written together; a key found there
after all is verified at once), sent with the other new senders' POSTs of the same moment
in one pipeline and one commit (service.Keeper: the group commit the known senders' rows
have in inbox_store, so a burst of new actors does not cost PostgreSQL a WAL flush each);
the job three when the actor is new (the kept POST read
with its key's owner, the fetched actor stored, the hand-over that also deletes the kept
row), and one GET, unsigned unless the key's server asks for a signature (keyring), with no
collection totals fetched. The jobs run in worker slots of their own (slots.py), so a slow
key server never holds the slots of other jobs, and claimed through an index of their own
(migration 0024), so thousands of processing jobs queued ahead of them cost their claims
nothing. In a process that also serves requests the lane yields to them: while the web side
is saturated (load.py: requests piling up, and the process short of CPU or its known
senders' rows queueing for the database) it runs at a paced floor (a few jobs a second),
so known senders keep
their throughput and new actors wait, bounded by the backlog limits above (503 with
Retry-After), instead of taking the CPU from everyone. A process that serves no requests
(`commonhold worker`) yields the same way while a web process says in PostgreSQL that it is
saturated (load_signal.py).
"""
