-- Lesson delivery claims rows in batches: a claimed row carries a lease (database clock). A worker that dies leaves
-- its unsent rows to be claimed again when the lease runs out; a live worker never sends a row past its lease.
alter table outbox add column claimed_until timestamptz;
